"""Every node of rank province/city/county gets its tier; the quotas stored per
(region, level) become its tier's quota; each person at 市级重点联系 holds the
tier of the city above them, each at 县区联系 the tier of the county-level node
at or above them. Person.level is left as it was, so every list, count and
report reads the same after the migration."""

from django.db import migrations
from django.utils import timezone

RANK = {
    "province": 0,
    "city": 1,
    "district": 2,
    "county": 2,
    "county_city": 2,
    "zone": 2,
    "street": 3,
    "town": 3,
    "community": 4,
    "village": 4,
}
DEFAULT_QUOTA = {1: 200, 2: 50}


def _default_name(region) -> str:
    rank = RANK.get(region.kind, 2)
    if rank == 0:
        return "自治区重点联系" if region.name.endswith("自治区") else "省级重点联系"
    return "市级重点联系" if rank == 1 else "县区联系"


def forwards(apps, schema_editor):
    Region = apps.get_model("regions", "Region")
    Quota = apps.get_model("levels", "Quota")
    Tier = apps.get_model("levels", "Tier")
    TierMembership = apps.get_model("levels", "TierMembership")
    Person = apps.get_model("people", "Person")

    regions = {r.pk: r for r in Region.objects.all()}
    stored = {(q.region_id, q.level): q.quota for q in Quota.objects.all()}
    tiers = {}

    def tier_of(region):
        if region.pk not in tiers:
            rank = RANK.get(region.kind, 2)
            level = "city" if rank <= 1 else "county"
            quota = stored.get((region.pk, level), DEFAULT_QUOTA.get(rank))
            tiers[region.pk] = Tier.objects.create(
                region=region, name=_default_name(region), quota=quota
            )
        return tiers[region.pk]

    for region in sorted(regions.values(), key=lambda r: (r.depth, r.pk)):
        if RANK.get(region.kind, 2) <= 2:
            tier_of(region)

    def chain(region):
        ids = [int(part) for part in region.path.strip("/").split("/") if part]
        return [regions[i] for i in ids if i in regions] or [region]

    def home(region, level):
        nodes = chain(region)
        if level == "city":
            cities = [r for r in nodes if r.kind == "city"]
            return cities[-1] if cities else nodes[0]
        counties = [r for r in nodes if RANK.get(r.kind, 2) == 2]
        return counties[-1] if counties else nodes[-1]

    groups = (
        Person.objects.filter(level__in=["city", "county"])
        .values_list("region_id", "level")
        .distinct()
        .order_by()
    )
    membership_table = TierMembership._meta.db_table
    person_table = Person._meta.db_table
    now = timezone.now()
    with schema_editor.connection.cursor() as cursor:
        for region_id, level in list(groups):
            tier = tier_of(home(regions[region_id], level))
            # One INSERT … SELECT per group: a million persons in seconds.
            cursor.execute(
                f"INSERT INTO {membership_table} (person_id, tier_id, since, reason) "
                f"SELECT id, %s, %s, %s FROM {person_table} WHERE region_id = %s AND level = %s",
                [tier.pk, now, "原分级迁移", region_id, level],
            )


class Migration(migrations.Migration):
    dependencies = [("levels", "0002_tiers")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
