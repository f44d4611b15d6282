"""Tiers of the region tree's nodes and who holds them (分级管理).

A node that keeps representatives has one Tier (its name and quota); a
person holds tiers of nodes at or above their own region. `Person.level`
stays the one-word summary that lists, analyses and 附件1 group by: 市级重点联系
when the person holds a tier of a city or province, 县区联系 when only tiers
of county-level nodes or below, 储备 when none. Every write here keeps the
two in step (`person_level_refresh`).
"""

from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone

from tongxin.core import options
from tongxin.core.bulk import db_value, insert_values
from tongxin.people.models import Person
from tongxin.regions.models import Region

from .models import AT_REGISTRATION, Tier, TierMembership

# The quotas a new tier starts with (SPEC: about 200 persons at the city,
# about 50 at each county); settings TONGXIN_TIER_DEFAULT_QUOTAS by region kind.
DEFAULT_QUOTAS = {Region.Kind.CITY: 200, "county_level": 50}


def default_tier_name(region: Region) -> str:
    if region.kind == Region.Kind.PROVINCE:
        return "自治区重点联系" if region.name.endswith("自治区") else "省级重点联系"
    if region.is_city:
        return "市级重点联系"
    if region.is_county_level:
        return "县区联系"
    return f"{region.get_kind_display()}联系"


def default_tier_quota(region: Region) -> int | None:
    """A new tier's quota: a city's and a county's default is set on the
    系统参数 page (core/options.py); other kinds (a province) have none."""
    if region.is_city:
        return options.value("quota_city_default")
    if region.is_county_level:
        return options.value("quota_county_default")
    defaults = getattr(settings, "TONGXIN_TIER_DEFAULT_QUOTAS", DEFAULT_QUOTAS)
    return defaults.get(region.kind)


def level_of_node(region: Region) -> str:
    """The summary level a tier of `region` gives its holders."""
    return (
        Person.Level.CITY if region.rank <= Region.RANK[Region.Kind.CITY] else Person.Level.COUNTY
    )


def tier_for(region: Region) -> Tier:
    """The node's tier, set up with the defaults the first time it is asked for."""
    tier = Tier.objects.filter(region=region).select_related("region").first()
    if tier is None:
        tier = Tier(region=region, name=default_tier_name(region), quota=default_tier_quota(region))
        tier.save(force_insert=True)  # no actor on a read (test_architecture.CREATES_ALLOWED)
    return tier


def chain_of(region: Region) -> list[Region]:
    """The region and every node above it, from the root down."""
    ids = [*region.ancestor_ids(), region.pk]
    by_id = Region.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def home_node(region: Region, level: str) -> Region | None:
    """Where a person of `region` at `level` (市级/县区) holds their tier:
    the city above them, or the county-level node at or above them."""
    chain = chain_of(region)
    if level == Person.Level.CITY:
        cities = [r for r in chain if r.is_city]
        return cities[-1] if cities else (chain[0] if chain else None)
    if level == Person.Level.COUNTY:
        counties = [r for r in chain if r.is_county_level]
        return counties[-1] if counties else chain[-1]
    return None


def summary_level(tiers: Iterable[Tier]) -> str:
    levels = {level_of_node(t.region) for t in tiers}
    if Person.Level.CITY in levels:
        return Person.Level.CITY
    if Person.Level.COUNTY in levels:
        return Person.Level.COUNTY
    return Person.Level.RESERVE


def tiers_held(person: Person) -> list[Tier]:
    return [
        m.tier
        for m in TierMembership.objects.filter(person=person)
        .select_related("tier__region")
        .order_by("tier__region__depth")
    ]


def may_hold(person: Person, tier: Tier) -> bool:
    """A person holds only tiers of their own region or of the nodes above it."""
    return tier.region_id in {*person.region.ancestor_ids(), person.region_id}


def persons_created(persons: list[Person]) -> None:
    """New persons registered at 市级/县区 (form, import, API) hold the tier that
    level means for their region (registered in LevelsConfig.ready)."""
    wanted = [p for p in persons if p.level in (Person.Level.CITY, Person.Level.COUNTY)]
    if not wanted:
        return
    regions = Region.objects.in_bulk({p.region_id for p in wanted})
    tiers: dict[tuple[int, str], int | None] = {}
    since = db_value(TierMembership, "since", timezone.now())
    rows = []
    for person in wanted:
        key = (person.region_id, person.level)
        if key not in tiers:
            node = home_node(regions[person.region_id], person.level)
            tiers[key] = None if node is None else tier_for(node).pk
        if tiers[key] is not None:
            rows.append((person.pk, tiers[key], since, AT_REGISTRATION))
    # The persons are new, so none holds a tier yet: one plain INSERT (COPY on
    # PostgreSQL) of plain rows instead of bulk_create's per-object
    # preparation, which cost ≈2 s of a 100,000-row import
    # (docs/benchmarks/imports.md).
    insert_values(TierMembership, ["person_id", "tier_id", "since", "reason"], rows)
