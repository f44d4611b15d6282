"""Tiers belong to nodes: the migration from fixed levels, who holds what, the
person list filter and the person page."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.levels.models import Tier, TierMembership
from tongxin.levels.services import LevelError, person_tier_join, person_tier_leave, tier_set
from tongxin.levels.tiers import tier_for, tiers_held
from tongxin.people.models import Person
from tongxin.regions.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(regions):
    province = Region.objects.create(code="450000", name="广西壮族自治区", kind="province")
    regions["city"].parent = province
    regions["city"].save()
    street = Region.objects.create(
        code="450102001", name="民生街道", kind="street", parent=regions["xingning"]
    )
    return {**regions, "province": province, "street": street}


def names(person) -> list[str]:
    return [str(t) for t in tiers_held(person)]


def test_a_new_person_holds_the_tier_their_level_means(make_person, tree):
    county = make_person("街一", region=tree["street"])
    city = make_person("市一", region=tree["street"], level=Person.Level.CITY)
    reserve = make_person("储一", region=tree["street"], level=Person.Level.RESERVE)
    assert names(county) == ["兴宁区·县区联系"]
    assert names(city) == ["南宁市·市级重点联系"]
    assert names(reserve) == []
    assert Tier.objects.get(region=tree["city"]).quota == 200
    assert Tier.objects.get(region=tree["xingning"]).quota == 50


def test_a_person_holds_the_tiers_of_county_city_and_province(make_person, tree, city_user):
    from tongxin.accounts.models import User

    province_staff = User.objects.create_user("prov", password="x", role=User.Role.CITY)
    province_staff.regions.set([tree["province"]])
    person = make_person("兴一", region=tree["street"])
    person_tier_join(actor=city_user, person=person, tier=tier_for(tree["city"]), reason="认定")
    person_tier_join(
        actor=province_staff, person=person, tier=tier_for(tree["province"]), reason="认定"
    )
    assert names(person) == [
        "广西壮族自治区·自治区重点联系",
        "南宁市·市级重点联系",
        "兴宁区·县区联系",
    ]
    person.refresh_from_db()
    assert person.level == Person.Level.CITY  # the summary lists and 附件1 group by
    entry = AuditEntry.objects.filter(object_type="people.person", object_id=str(person.pk))
    assert entry.latest("id").changes["tier"] == [None, "广西壮族自治区·自治区重点联系"]
    person_tier_leave(actor=city_user, person=person, tier=tier_for(tree["city"]), reason="调整")
    person_tier_leave(
        actor=province_staff, person=person, tier=tier_for(tree["province"]), reason="调整"
    )
    person.refresh_from_db()
    assert person.level == Person.Level.COUNTY
    assert person.level_changes.count() == 2  # 县区联系 → 市级 → 县区联系


def test_only_the_nodes_own_staff_put_persons_in_its_tier(make_person, tree, xingning_user):
    person = make_person("兴一", region=tree["xingning"])
    with pytest.raises(LevelError, match="只有南宁市的工作人员可以认定市级重点联系"):
        person_tier_join(
            actor=xingning_user, person=person, tier=tier_for(tree["city"]), reason="x"
        )
    assert names(person) == ["兴宁区·县区联系"]


def test_a_person_holds_no_tier_of_a_node_not_above_them(make_person, tree, city_user):
    person = make_person("兴一", region=tree["xingning"])
    with pytest.raises(LevelError, match="不在青秀区范围内"):
        person_tier_join(actor=city_user, person=person, tier=tier_for(tree["qingxiu"]), reason="x")


def test_tier_settings_per_node_are_audited(tree, city_user, xingning_user):
    tier = tier_set(actor=city_user, region=tree["xingning"], quota=30, name="兴宁区代表人士")
    assert (tier.name, tier.quota) == ("兴宁区代表人士", 30)
    entry = AuditEntry.objects.get(object_type="levels.tier")
    assert entry.changes == {"name": [None, "兴宁区代表人士"], "quota": [None, 30]}
    with pytest.raises(LevelError):
        tier_set(actor=xingning_user, region=tree["xingning"], quota=80)
    with pytest.raises(LevelError):  # the province is above the city's staff
        tier_set(actor=city_user, region=tree["province"], quota=80)
    assert Tier.objects.get(region=tree["xingning"]).quota == 30


def test_the_person_list_filters_by_any_tier_held(client_for, make_person, tree, city_user):
    held = make_person("兴一", region=tree["xingning"])
    make_person("兴二", region=tree["xingning"])
    person_tier_join(actor=city_user, person=held, tier=tier_for(tree["city"]), reason="认定")
    client = client_for(city_user)
    city_tier = Tier.objects.get(region=tree["city"])
    response = client.get(reverse("people:list"), {"tier": city_tier.pk})
    text = response.content.decode()
    assert "兴一" in text and "兴二" not in text
    assert "南宁市·市级重点联系" in text  # the filter's choices
    county_tier = Tier.objects.get(region=tree["xingning"])
    text = client.get(reverse("people:list"), {"tier": county_tier.pk}).content.decode()
    assert "兴一" in text and "兴二" in text
    text = client.get(reverse("people:list"), {"tier": "x"}).content.decode()
    assert "筛选条件“所在分级”无效" in text


def test_the_person_page_shows_every_tier_held(client_for, make_person, tree, city_user):
    person = make_person("兴一", region=tree["xingning"])
    person_tier_join(actor=city_user, person=person, tier=tier_for(tree["city"]), reason="认定")
    text = client_for(city_user).get(reverse("people:detail", args=[person.pk])).content.decode()
    assert "列入 <strong>南宁市</strong> 市级重点联系" in text
    assert "列入 <strong>兴宁区</strong> 县区联系" in text


LEVELS_BEFORE = [("levels", "0001_initial")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_keeps_every_level_as_a_tier(make_person, regions):
    street = Region.objects.create(
        code="450102001", name="民生街道", kind="street", parent=regions["xingning"]
    )
    city_person = make_person("市一", region=street, level=Person.Level.CITY)
    county_person = make_person("街一", region=street)
    reserve = make_person("储一", region=regions["qingxiu"], level=Person.Level.RESERVE)
    executor = MigrationExecutor(connection)
    executor.migrate(LEVELS_BEFORE)
    apps = executor.loader.project_state(LEVELS_BEFORE).apps
    Quota = apps.get_model("levels", "Quota")
    Quota.objects.create(region_id=regions["xingning"].pk, level="county", quota=7)
    Quota.objects.create(region_id=regions["city"].pk, level="city", quota=150)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    tiers = {t.region.name: (t.name, t.quota) for t in Tier.objects.select_related("region")}
    assert tiers == {
        "南宁市": ("市级重点联系", 150),
        "兴宁区": ("县区联系", 7),
        "青秀区": ("县区联系", 50),
    }
    held = {
        (m.person.name, str(m.tier))
        for m in TierMembership.objects.select_related("tier", "person")
    }
    assert held == {("市一", "南宁市·市级重点联系"), ("街一", "兴宁区·县区联系")}
    levels = dict(Person.objects.values_list("name", "level"))
    assert levels == {"市一": "city", "街一": "county", "储一": "reserve"}
    assert {city_person.pk, county_person.pk, reserve.pk} == set(
        Person.objects.values_list("pk", flat=True)
    )
