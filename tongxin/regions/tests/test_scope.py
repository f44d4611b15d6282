"""The region rule itself: the tree, placements, a street inside a county, a
person who moves, counts that say what they count, and city administrators."""

import pytest
from django.db import connection
from django.urls import reverse

from tongxin.accounts.models import User
from tongxin.conftest import PASSWORD
from tongxin.engagement.models import Activity
from tongxin.people.models import Person
from tongxin.regions.models import Region
from tongxin.regions.scope import EVERYTHING, read_scope, scope_of_regions, write_scope
from tongxin.service.models import ServiceRequest

from .world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_person, regions):
    return build_world(make_person, regions)


def login(client, user):
    client.force_login(user, backend="tongxin.accounts.backends.TongxinBackend")
    return client


# --- the tree ---------------------------------------------------------------------


def test_a_subtree_moves_with_its_root(world):
    street = world.regions["street"]
    community = Region.objects.get(code="450102001001")
    assert community.path == f"{street.path}{community.pk}/"

    # 民生街道 handed to 青秀区: its community follows.
    street.parent = world.regions["qingxiu"]
    street.save()

    community.refresh_from_db()
    qingxiu = Region.objects.get(pk=world.regions["qingxiu"].pk)
    assert community.path == f"{qingxiu.path}{street.pk}/{community.pk}/"
    assert community.depth == 4
    assert read_scope(User.objects.get(username="jiedao")).contains(community)


def test_the_region_form_refuses_a_cycle_and_a_kind_out_of_order(client_for, world):
    admin = User.objects.create_user("root", password=PASSWORD, role=User.Role.ADMIN)
    admin.regions.set([world.regions["province"]])
    street = world.regions["street"]
    client = client_for(admin)
    url = reverse("regions:edit", args=[world.regions["xingning"].pk])

    # Its own street cannot become its parent: the street is not even offered.
    response = client.post(url, {"code": "450102", "name": "兴宁区", "kind": "district",
                                 "parent": street.pk, "sort_order": 1, "is_active": "on"})  # fmt: skip
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors

    # A 市 cannot sit under a 街道.
    response = client.post(reverse("regions:create"), {
        "code": "450199", "name": "某市", "kind": "city",
        "parent": street.pk, "sort_order": 0, "is_active": "on"})  # fmt: skip
    assert response.status_code == 200
    assert (
        "“市”的上级区域应是更高一级的区域，不能是“街道”。"
        in response.context["form"].errors["parent"]
    )
    assert not Region.objects.filter(code="450199").exists()


# --- placements -------------------------------------------------------------------


def test_scopes_follow_the_placements(world):
    users = world.users
    assert read_scope(users["province"]) is EVERYTHING
    assert read_scope(users["xingning"]).contains(world.regions["street"])
    assert not read_scope(users["jiedao"]).contains(world.regions["xingning"])
    assert not read_scope(users["liuzhou"]).contains(world.regions["xingning"])
    assert read_scope(users["liuzhou"]).contains(world.regions["chengzhong"])
    # Leaders read, never write; evaluators see no region-owned record.
    assert read_scope(users["leader"]).contains(world.regions["qingxiu"])
    assert write_scope(users["leader"]).is_empty
    assert read_scope(users["evaluator"]).is_empty
    # Nested placements collapse to the outer node.
    nested = scope_of_regions([world.regions["city"], world.regions["street"]])
    assert nested.paths == (Region.objects.get(pk=world.regions["city"].pk).path,)


def test_a_scope_of_one_node_reads_as_a_user_placed_there(world):
    """Scope.of_region (an API client's scope) and read_scope of a Scope."""
    from tongxin.regions.scope import Scope

    assert Scope.of_region(world.regions["province"]) is EVERYTHING
    county = Scope.of_region(world.regions["xingning"])
    assert county.contains(world.regions["street"])
    assert not county.contains(world.regions["qingxiu"])
    assert read_scope(county) is county and write_scope(county) is county
    as_user = Person.objects.visible_to(world.users["xingning"])
    assert set(Person.objects.visible_to(county)) == set(as_user)
    other_city = set(Person.objects.visible_to(Scope.of_region(world.regions["chengzhong"])))
    assert world.persons["chengzhong"] in other_city
    assert world.persons["xingning"] not in other_city


def test_a_street_user_works_inside_their_street_only(client, world):
    jiedao = login(client, world.users["jiedao"])
    street_person, county_person = world.persons["street"], world.persons["xingning"]

    listed = jiedao.get(reverse("people:list")).content.decode()
    assert street_person.name in listed and county_person.name not in listed
    assert jiedao.get(reverse("people:detail", args=[county_person.pk])).status_code == 404
    assert jiedao.get(reverse("people:detail", args=[street_person.pk])).status_code == 200
    # The county above sees the street's persons too.
    xingning = login(client, world.users["xingning"])
    assert xingning.get(reverse("people:detail", args=[street_person.pk])).status_code == 200
    # Filtering by 兴宁区 includes its street.
    page = xingning.get(reverse("people:list"), {"region": world.regions["xingning"].pk})
    assert street_person.name in page.content.decode()


# --- a person who moves -----------------------------------------------------------


def test_a_person_who_moved_leaves_the_old_regions_view(client, world):
    mover = world.persons["mover"]
    old_request = ServiceRequest.objects.get(person=mover)
    client = login(client, world.users["xingning"])

    assert client.get(reverse("people:detail", args=[mover.pk])).status_code == 404
    page = client.get(reverse("service:request_detail", args=[old_request.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert mover.name not in text and "城中新单位" not in text
    assert "其他区域人员" in text
    # The old region can no longer act on it.
    assert client.post(reverse("service:request_cancel", args=[old_request.pk])).status_code == 404
    old_request.refresh_from_db()
    assert old_request.status != ServiceRequest.Status.CANCELLED
    # The new region's city sees the person.
    liuzhou = login(client, world.users["liuzhou"])
    assert liuzhou.get(reverse("people:detail", args=[mover.pk])).status_code == 200


def test_a_round_page_shows_a_moved_person_as_there_unnamed(client, world):
    evaluation_round = world.by_unit["xingning"]["round"]
    evaluation_round.status = "open"
    evaluation_round.save(update_fields=["status"])
    page = login(client, world.users["xingning"]).get(
        reverse("evaluations:round_detail", args=[evaluation_round.pk])
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "迁出乙" not in text and "城中新单位" not in text and "城中区" not in text
    assert "其他区域人员 1 名" in text
    assert world.persons["xingning"].name in text


# --- counts say what they count ---------------------------------------------------


def test_list_counts_count_persons_inside_the_scope(client, world):
    client = login(client, world.users["xingning"])
    activity = world.by_unit["xingning"]["activity"]
    # 街道, 兴宁, 城中 remain (青秀 was withdrawn): 兴宁区 sees two of them.
    assert activity.participants.count() == 3
    page = client.get(reverse("engagement:activities_list"))
    row = next(r for r in page.context["rows"] if r[0].pk == activity.pk)
    assert row[1][-1] == "2"
    assert "人数只计您查看范围内的人员" in page.content.decode()

    organisations = client.get(reverse("engagement:organisations_list"))
    row = next(
        r
        for r in organisations.context["rows"]
        if r[0] == world.by_unit["xingning"]["organisation"]
    )
    assert row[1][-1] == "2"  # 4 members, 2 inside
    assert row[1][2] == "其他区域的组织载体"  # 上级组织: 青秀组织


def test_a_shared_system_counts_and_names_only_the_rounds_in_scope(client, world):
    system = world.by_unit["xingning"]["round"].system
    client = login(client, world.users["xingning"])
    listing = client.get(reverse("evaluations:system_list"))
    shown = next(s for s in listing.context["systems"] if s.pk == system.pk)
    assert shown.round_count == 2  # 兴宁区's and its street's, not 青秀 or 城中
    page = client.get(reverse("evaluations:system_detail", args=[system.pk])).content.decode()
    assert "兴宁评价批次" in page and "青秀评价批次" not in page
    assert "其他区域评价批次 2 项" in page


def test_the_home_page_counts_participants_inside_the_scope(client, world):
    page = login(client, world.users["xingning"]).get(reverse("home"))
    upcoming = [
        c for c in page.context["cards"] if c.get("template") == "engagement/home_upcoming.html"
    ]
    items = {i["title"]: i["participants"] for i in upcoming[0]["context"]["items"]}
    assert items["兴宁活动"] == 2
    assert not any("青秀" in title or "城中" in title for title in items)


# --- city administrators ----------------------------------------------------------


def test_a_city_administrator_manages_the_citys_accounts_only(client, world):
    admin = User.objects.create_user("nn-admin", password=PASSWORD, role=User.Role.ADMIN)
    admin.regions.set([world.regions["city"]])
    client = login(client, admin)

    listed = client.get(reverse("accounts:user_list")).content.decode()
    assert "xingning" in listed and "jiedao" in listed
    assert "liuzhou" not in listed and "province" not in listed
    liuzhou = world.users["liuzhou"]
    assert client.get(reverse("accounts:user_edit", args=[liuzhou.pk])).status_code == 404
    assert client.get(reverse("mfa:user", args=[liuzhou.pk])).status_code == 404
    # No placing anyone outside the city.
    response = client.post(
        reverse("accounts:user_edit", args=[world.users["xingning"].pk]),
        {"display_name": "", "role": "county", "regions": [world.regions["liuzhou"].pk],
         "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "regions" in response.context["form"].errors
    assert list(world.users["xingning"].regions.all()) == [world.regions["xingning"]]
    # Regions: only the city's subtree.
    regions_page = client.get(reverse("regions:list")).content.decode()
    assert "兴宁区" in regions_page and "城中区" not in regions_page
    edit_liuzhou = reverse("regions:edit", args=[world.regions["liuzhou"].pk])
    assert client.get(edit_liuzhou).status_code == 404


def test_an_identifier_registered_elsewhere_is_reported_and_nothing_else(client_for, world):
    from tongxin.people.models import Education, Ethnicity, PersonGroup, PoliticalStatus

    other = world.persons["chengzhong"]
    response = client_for(world.users["xingning"]).post(
        reverse("people:create"),
        {
            "name": "新人", "sex": "M", "birth_date": "1985-06-01", "id_number": other.id_number,
            "ethnicity": Ethnicity.objects.get(name="汉族").pk,
            "political_status": PoliticalStatus.objects.get(name="无党派人士").pk,
            "education": Education.objects.get(name="大学本科").pk,
            "group": PersonGroup.objects.get(sort_order=1).pk,
            "region": world.regions["xingning"].pk, "level": "county", "mobile": "13800138000",
        },
    )  # fmt: skip
    text = response.content.decode()
    assert response.status_code == 200
    assert "已在其他区域登记" in text
    assert other.name not in text and "城中" not in text
    assert Person.objects.filter(name="新人").count() == 0
    assert Activity.objects.exists()


def test_a_city_administrator_reads_the_citys_audit_entries_only(client, world):
    from tongxin.audit.models import AuditEntry

    admin = User.objects.create_user("nn-admin", password=PASSWORD, role=User.Role.ADMIN)
    admin.regions.set([world.regions["city"]])
    assert AuditEntry.objects.filter(region=world.regions["chengzhong"]).exists()

    page = login(client, admin).get(reverse("audit:list"))

    shown = {row["entry"].region_id for row in page.context["rows"]}
    assert world.regions["xingning"].pk in shown
    assert world.regions["chengzhong"].pk not in shown


def test_a_city_round_holds_the_citys_subtree_only(world):
    from tongxin.evaluations.rounds import round_persons_queryset

    held = set(
        round_persons_queryset(
            persons=Person.objects.all(), region=world.regions["city"], system=None
        ).values_list("name", flat=True)
    )
    assert {"街道甲", "兴宁甲", "青秀甲"} <= held
    assert "城中甲" not in held and "迁出乙" not in held


def test_the_summary_rolls_each_childs_subtree_into_its_column(world):
    import datetime

    from tongxin.reports.summary import build_summary

    on = datetime.date(2026, 12, 7)
    province = build_summary(world.users["province"], None, on_date=on)
    assert province.unit == "广西壮族自治区"
    assert [r.name for r in province.regions] == ["广西壮族自治区", "南宁市", "柳州市"]
    total = province.rows[-1].cells
    # Per column: 3 levels + 小计. 南宁市 holds 街道甲, 兴宁甲, 青秀甲; 柳州市 城中甲 and the mover.
    assert [total[3], total[7], total[11], total[-1]] == [0, 3, 2, 5]

    county = build_summary(world.users["xingning"], None, on_date=on)
    assert county.unit == "兴宁区"
    assert [r.name for r in county.regions] == ["兴宁区", "民生街道"]
    assert county.rows[-1].cells[-1] == 2


def test_deployment_wide_settings_belong_to_administrators_of_the_whole_tree(client, world):
    city_admin = User.objects.create_user("nn-admin", password=PASSWORD, role=User.Role.ADMIN)
    city_admin.regions.set([world.regions["city"]])
    province_admin = User.objects.create_user("gx-admin", password=PASSWORD, role=User.Role.ADMIN)
    province_admin.regions.set([world.regions["province"]])

    for url in (
        reverse("dictionaries:index"),
        reverse("dictionaries:create", args=["ethnicities"]),
        reverse("qualification:condition_create"),
        reverse("privacy:notice_edit"),
    ):
        assert login(client, city_admin).get(url).status_code == 404, url
        assert login(client, province_admin).get(url).status_code == 200, url


def test_the_service_lists_filter_a_region_as_its_subtree(client, world):
    client = login(client, world.users["xingning"])
    region = world.regions["xingning"].pk
    requests = client.get(reverse("service:request_list"), {"region": region}).content.decode()
    assert "街道诉求内容" in requests and "兴宁诉求内容" in requests
    suggestions = client.get(reverse("service:suggestion_list"), {"region": region})
    assert "街道建言" in suggestions.content.decode()


def test_a_subtree_sorted_by_name_lists_the_same_persons_in_order(client, world, make_person):
    street = world.regions["street"]
    community = Region.objects.get(code="450102001001")
    for name, region in [
        ("阿甲", community),
        ("张乙", street),
        ("白丙", world.regions["xingning"]),
    ]:
        make_person(name, region=region)
    from tongxin.people.listing import PersonFilter, filtered_persons

    xingning = world.users["xingning"]
    paged, _ = filtered_persons(xingning, PersonFilter(sort="name"), paged=True)
    counted, _ = filtered_persons(xingning, PersonFilter(sort="name"))
    if connection.vendor == "sqlite":
        # SQLite walks the name index only if the region list cannot use its own.
        assert '"region_id" + 0) IN' in str(paged.query)
    names = list(paged.order_by("name_pinyin", "id").values_list("name", flat=True))
    assert sorted(names, key=lambda n: Person.objects.get(name=n).name_pinyin) == names
    assert set(names) == set(counted.values_list("name", flat=True))
    assert {"阿甲", "张乙", "白丙", "街道甲", "兴宁甲"} <= set(names)


def test_a_kept_scope_is_forgotten_when_a_placement_or_the_tree_changes(world):
    jiedao = world.users["jiedao"]
    assert not read_scope(User.objects.get(pk=jiedao.pk)).contains(world.regions["qingxiu"])

    # A placement changed however it is changed (here without a service).
    jiedao.regions.add(world.regions["qingxiu"])
    assert read_scope(User.objects.get(pk=jiedao.pk)).contains(world.regions["qingxiu"])

    # The tree changed: 青秀区 moves under 柳州市, so the liuzhou account sees it.
    liuzhou = world.users["liuzhou"]
    assert not read_scope(User.objects.get(pk=liuzhou.pk)).contains(world.regions["qingxiu"])
    qingxiu = Region.objects.get(pk=world.regions["qingxiu"].pk)
    qingxiu.parent = world.regions["liuzhou"]
    qingxiu.save()
    assert read_scope(User.objects.get(pk=liuzhou.pk)).contains(qingxiu)
