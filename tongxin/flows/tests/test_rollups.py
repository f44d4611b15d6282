"""Roll-ups at province, city, county and street (分级汇总) and the yearly
report (报送) of 附件1/附件2 to the node above."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.audit.models import AuditEntry
from tongxin.conftest import PASSWORD
from tongxin.flows.models import ChangeRequest
from tongxin.levels.services import person_tier_join, tier_set
from tongxin.levels.tiers import tier_for
from tongxin.people.models import PersonGroup
from tongxin.people.services import person_archive
from tongxin.regions.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(regions, make_person):
    province = Region.objects.create(code="450000", name="广西壮族自治区", kind="province")
    regions["city"].parent = province
    regions["city"].save()
    street = Region.objects.create(
        code="450102001", name="民生街道", kind="street", parent=regions["xingning"]
    )
    liuzhou = Region.objects.create(code="450200", name="柳州市", kind="city", parent=province)
    chengzhong = Region.objects.create(
        code="450202", name="城中区", kind="district", parent=liuzhou
    )
    users = {}
    for name, role, node in [
        ("province", User.Role.CITY, province),
        ("city", User.Role.CITY, regions["city"]),
        ("xingning", User.Role.COUNTY, regions["xingning"]),
        ("jiedao", User.Role.COUNTY, street),
    ]:
        users[name] = User.objects.create_user(username=name, password=PASSWORD, role=role)
        users[name].regions.set([node])
    group2 = PersonGroup.objects.get(sort_order=2)
    persons = {
        "s1": make_person("街一", region=street),
        "s2": make_person("街二", region=street, group=group2),
        "x1": make_person("兴一", region=regions["xingning"]),
        "q1": make_person("青一", region=regions["qingxiu"]),
        "c1": make_person("城一", region=chengzhong),
    }
    person_tier_join(
        actor=users["city"], person=persons["s1"], tier=tier_for(regions["city"]), reason="认定"
    )
    tier_set(actor=users["city"], region=regions["xingning"], quota=2)
    return {
        **regions, "province": province, "street": street, "liuzhou": liuzhou,
        "chengzhong": chengzhong, "users": users, "persons": persons,
    }  # fmt: skip


def rows_of(client, node=None):
    url = reverse("flows:levels") + (f"?node={node.pk}" if node else "")
    response = client.get(url)
    assert response.status_code == 200
    return {row.region.name: row for row in response.context["o"].rows}


def test_the_province_rolls_up_its_cities(client_for, tree):
    rows = rows_of(client_for(tree["users"]["province"]))
    assert list(rows) == ["广西壮族自治区", "南宁市", "柳州市"]
    assert (rows["南宁市"].tier_name, rows["南宁市"].quota, rows["南宁市"].held) == (
        "市级重点联系", 200, 1,
    )  # fmt: skip
    assert rows["南宁市"].due == 4 and rows["柳州市"].due == 1
    assert rows["广西壮族自治区"].tier_name == "自治区重点联系"
    assert rows["广西壮族自治区"].quota is None


def test_the_city_rolls_up_its_counties_with_quota_fill(client_for, tree):
    rows = rows_of(client_for(tree["users"]["city"]))
    assert list(rows) == ["南宁市", "兴宁区", "青秀区"]
    xingning = rows["兴宁区"]
    # 街一, 街二 (民生街道) and 兴一 hold 兴宁区's tier: 3 of a quota of 2.
    assert (xingning.quota, xingning.held, xingning.fill, xingning.gap) == (2, 3, "over", 1)
    assert xingning.due == 3
    assert rows["青秀区"].fill == "under"
    group3 = PersonGroup.objects.get(sort_order=3).name
    assert group3 in xingning.empty_groups
    assert PersonGroup.objects.get(sort_order=2).name not in xingning.empty_groups


def test_a_county_and_a_street(client_for, tree):
    rows = rows_of(client_for(tree["users"]["xingning"]))
    assert list(rows) == ["兴宁区", "民生街道"]
    assert rows["兴宁区"].held == 3 and rows["民生街道"].due == 2
    rows = rows_of(client_for(tree["users"]["jiedao"]))
    assert list(rows) == ["民生街道"]
    assert rows["民生街道"].due == 2


def test_a_node_outside_the_scope_answers_404(client_for, tree):
    client = client_for(tree["users"]["xingning"])
    for node in (tree["city"], tree["qingxiu"], tree["chengzhong"]):
        url = reverse("flows:levels") + f"?node={node.pk}"
        assert client.get(url).status_code == 404


def test_the_annual_review_progress_and_its_confirmation(client_for, tree):
    from tongxin.levels.services import person_review_mark, review_cycle_start

    year = timezone.localdate().year
    cycle = review_cycle_start(actor=tree["users"]["city"], year=year)
    person_review_mark(actor=tree["users"]["jiedao"], cycle=cycle, person=tree["persons"]["s1"])
    client = client_for(tree["users"]["xingning"])
    client.post(
        reverse("flows:new", args=["review"]),
        {"region": tree["xingning"].pk, "year": year, "reason": "已复核"},
    )
    rows = rows_of(client_for(tree["users"]["city"]))
    assert (rows["兴宁区"].due, rows["兴宁区"].reviewed) == (3, 1)
    assert rows["兴宁区"].review_state == "待审核"
    assert rows["青秀区"].review_state == ""


def test_a_county_reports_its_year_and_the_city_returns_then_accepts(client_for, tree):
    year = timezone.localdate().year
    client = client_for(tree["users"]["xingning"])
    response = client.post(
        reverse("flows:new", args=["report"]),
        {"region": tree["xingning"].pk, "year": year, "reason": "报送本年度附件1、附件2"},
    )
    assert response.status_code == 302
    report = ChangeRequest.objects.get(kind="report")
    assert (report.approver, report.state) == (tree["city"], "pending")
    assert report.snapshot["total"] == 3 and report.snapshot["forms"] == 3
    assert report.snapshot["unit"] == "兴宁区"
    # The figures are kept as they were, whatever changes afterwards.
    # (through the service: the kept 附件1 counts follow the person history)
    person_archive(
        actor=tree["users"]["city"],
        person=tree["persons"]["x1"],
        reason="withdrew",
        on_date=timezone.localdate(),
    )
    city = client_for(tree["users"]["city"])
    assert rows_of(city)["兴宁区"].report_state == "待审核"
    city.post(reverse("flows:return", args=[report.pk]), {"note": "请核对青年企业家人数"})
    report.refresh_from_db()
    assert report.state == "returned" and report.snapshot["total"] == 3
    client = client_for(tree["users"]["xingning"])
    client.post(reverse("flows:submit", args=[report.pk]))
    report.refresh_from_db()
    assert report.state == "pending" and report.snapshot["total"] == 2  # sent again, as it is now
    city = client_for(tree["users"]["city"])
    page = city.get(reverse("flows:detail", args=[report.pk])).content.decode()
    assert "附件2登记表 2 份" in page and "接收" in page
    city.post(reverse("flows:approve", args=[report.pk]))
    report.refresh_from_db()
    assert report.state == "approved"
    assert rows_of(city)["兴宁区"].report_state == "通过"
    assert AuditEntry.objects.filter(object_type="flows.changerequest").count() >= 4


def test_this_years_report_shows_the_change_since_last_year(client_for, tree, make_person):
    year = timezone.localdate().year
    xingning, city = tree["users"]["xingning"], tree["users"]["city"]
    from tongxin.flows import services

    last = services.report_create(
        actor=xingning, region=tree["xingning"], year=year - 1, reason="上年报送"
    )
    services.request_approve(actor=city, change_request=last)
    make_person("兴二", region=tree["xingning"])
    now = services.report_create(actor=xingning, region=tree["xingning"], year=year, reason="x")
    response = client_for(city).get(reverse("flows:detail", args=[now.pk]))
    report = response.context["report"]
    total = report["rows"][-1]
    assert (total["label"], total["last"], total["change"]) == ("", 3, 1)
    assert "与" in response.content.decode() and "上年" in response.content.decode()
