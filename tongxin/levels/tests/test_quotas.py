import pytest
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.levels.models import Tier
from tongxin.people.models import Person, PersonGroup, SubCategory

pytestmark = pytest.mark.django_db


@pytest.fixture
def population(make_person, regions):
    group1 = PersonGroup.objects.get(sort_order=1)
    sub = SubCategory.objects.filter(group=group1).first()
    made = []
    for i in range(4):
        made.append(make_person(f"兴{i}", level=Person.Level.COUNTY, subcategory=sub))
    made.append(make_person("兴市", level=Person.Level.CITY, subcategory=sub))
    made.append(make_person("兴储", level=Person.Level.RESERVE))
    made.append(make_person("青1", region=regions["qingxiu"], level=Person.Level.COUNTY))
    made.append(make_person("青市", region=regions["qingxiu"], level=Person.Level.CITY))
    import datetime

    from tongxin.people.services import person_archive

    gone = make_person("出库者", level=Person.Level.COUNTY)
    person_archive(actor=None, person=gone, reason="died", on_date=datetime.date(2026, 1, 1))
    return made


def cell(page, region, level):
    row = next(r for r in page.quota_rows if r.region == region)
    return row.cell(level)


def test_counts_equal_the_database(client_for, city_user, population, regions):
    response = client_for(city_user).get(reverse("levels:quotas"))
    assert response.status_code == 200
    page = response.context["page"]
    active = Person.objects.filter(status="active")
    for key in ("xingning", "qingxiu"):
        for level in Person.Level.values:
            assert (
                cell(page, regions[key], level).count
                == active.filter(region=regions[key], level=level).count()
            )
    for level in Person.Level.values:
        assert cell(page, regions["city"], level).count == active.filter(level=level).count()
    # Coverage: the group's total column equals the database too.
    group1 = PersonGroup.objects.get(sort_order=1)
    row = next(r for r in page.coverage if r.is_group and r.group == group1)
    assert row.counts[-1] == active.filter(group=group1, level__in=["city", "county"]).count()


def test_it_shows_quotas_with_defaults_and_highlights(client_for, city_user, population, regions):
    Tier.objects.filter(region=regions["xingning"]).update(quota=3)
    response = client_for(city_user).get(reverse("levels:quotas"))
    page = response.context["page"]
    xingning = cell(page, regions["xingning"], "county")
    assert (xingning.count, xingning.quota, xingning.state) == (4, 3, "over")
    qingxiu = cell(page, regions["qingxiu"], "county")
    assert (qingxiu.count, qingxiu.quota, qingxiu.state) == (1, 50, "under")
    city = cell(page, regions["city"], "city")
    assert (city.count, city.quota) == (2, 200)
    text = response.content.decode()
    assert "超出1" in text
    assert "空缺" in text  # groups 2-4 hold nobody


def test_thin_and_empty_cells_stand_out(client_for, city_user, population, settings, regions):
    settings.TONGXIN_QUOTA_THIN_BELOW = 3
    page = client_for(city_user).get(reverse("levels:quotas")).context["page"]
    group1 = PersonGroup.objects.get(sort_order=1)
    row = next(r for r in page.coverage if r.is_group and r.group == group1)
    columns = [r.pk for r in page.columns]
    # 兴宁区 holds 4+1 representatives of group 1, 青秀区 2 (thin).
    assert row.counts[columns.index(regions["xingning"].pk)] == 5
    assert row.counts[columns.index(regions["qingxiu"].pk)] == 2
    group4 = PersonGroup.objects.get(sort_order=4)
    empty = next(r for r in page.coverage if r.is_group and r.group == group4)
    assert empty.counts == [0, 0, 0]


def test_county_staff_see_their_region_only(client_for, xingning_user, population, regions):
    response = client_for(xingning_user).get(reverse("levels:quotas"))
    page = response.context["page"]
    assert [r.region for r in page.quota_rows] == [regions["xingning"]]
    assert "青秀区" not in response.content.decode()
    assert page.totals["city"] == 1


def test_it_pins_the_query_count(client_for, city_user, population, django_assert_num_queries):
    client = client_for(city_user)
    client.get(reverse("levels:quotas"))
    # Session, user and the persons' data version (the kept counts); the
    # regions, tiers, groups and sub-categories are kept rows.
    with django_assert_num_queries(3):
        assert client.get(reverse("levels:quotas")).status_code == 200


def test_city_staff_set_quotas_with_audit(client_for, city_user, regions):
    client = client_for(city_user)
    form = client.get(reverse("levels:quota_edit")).context["form"]
    data = {name: field.initial for name, field in form.fields.items() if field.initial is not None}
    data[f"quota_{regions['xingning'].pk}"] = 60
    response = client.post(reverse("levels:quota_edit"), data)
    assert response.status_code == 302
    tier = Tier.objects.get(region=regions["xingning"])
    assert (tier.name, tier.quota) == ("县区联系", 60)
    assert Tier.objects.count() == 1  # unchanged defaults are not stored
    entry = AuditEntry.objects.get(object_type="levels.tier")
    assert entry.changes["quota"] == [None, 60]
    data[f"quota_{regions['qingxiu'].pk}"] = -1
    response = client.post(reverse("levels:quota_edit"), data)
    assert "青秀区的名额不能为负数" in response.content.decode()


def test_county_staff_and_leaders_cannot_set_quotas(
    client_for, xingning_user, leader_user, regions
):
    for user in (xingning_user, leader_user):
        client = client_for(user)
        assert client.get(reverse("levels:quota_edit")).status_code == 404
        field = f"quota_{regions['xingning'].pk}"
        assert client.post(reverse("levels:quota_edit"), {field: 1}).status_code == 404
    assert not Tier.objects.exists()
    # Leaders read the page.
    assert client_for(leader_user).get(reverse("levels:quotas")).status_code == 200


def test_evaluators_see_nothing(client_for, regions):
    from tongxin.accounts.models import User

    evaluator = User.objects.create_user(username="ev", password="x", role=User.Role.EVALUATOR)
    client = client_for(evaluator)
    assert client.get(reverse("levels:quotas")).status_code == 404
    assert client.get(reverse("levels:review")).status_code == 404
