"""Region administration (区域管理): system administrators only."""

import pytest
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.regions.models import Region

OUTSIDERS = ["xingning_user", "city_user", "leader_user"]


def region_data(**overrides) -> dict:
    data = {
        "code": "450105",
        "name": "江南区",
        "kind": Region.Kind.DISTRICT,
        "parent": "",
        "sort_order": "3",
        "is_active": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_it_lists_regions_as_a_tree_with_person_counts(
    client_for, admin_user, regions, make_person
):
    make_person("张三", region=regions["xingning"])
    make_person("李四", region=regions["xingning"])
    Region.objects.create(code="450199", name="旧开发区", kind=Region.Kind.ZONE,
                          parent=regions["city"], sort_order=9, is_active=False)  # fmt: skip

    response = client_for(admin_user).get(reverse("regions:list"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "区域管理" in page
    rows = response.context["rows"]
    assert [(r.name, depth) for r, depth in rows] == [
        ("南宁市", 0),
        ("兴宁区", 1),
        ("青秀区", 1),
        ("旧开发区", 1),
    ]
    counts = {r.name: r.person_count for r, _ in rows}
    assert counts["兴宁区"] == 2
    assert counts["青秀区"] == 0
    assert "450102" in page
    assert "停用" in page


def test_it_pins_the_query_count_of_the_list(
    client_for, admin_user, regions, django_assert_num_queries
):
    client = client_for(admin_user)
    for i in range(10):
        Region.objects.create(code=f"4501{50 + i}", name=f"区{i}", kind="district",
                              parent=regions["city"])  # fmt: skip
    # session, user, the placement (regions.scope), regions with counts
    with django_assert_num_queries(4):
        assert client.get(reverse("regions:list")).status_code == 200


@pytest.mark.parametrize("outsider", OUTSIDERS)
@pytest.mark.parametrize(
    "url",
    [
        lambda r: reverse("regions:list"),
        lambda r: reverse("regions:create"),
        lambda r: reverse("regions:edit", args=[r["xingning"].pk]),
    ],
    ids=["list", "create", "edit"],
)
def test_it_refuses_everyone_but_the_admin_with_404(client_for, request, regions, outsider, url):
    client = client_for(request.getfixturevalue(outsider))
    assert client.get(url(regions)).status_code == 404
    assert client.post(url(regions), region_data(parent=regions["city"].pk)).status_code == 404
    assert not Region.objects.filter(code="450105").exists()


def test_it_sends_anonymous_visitors_to_login(client, regions):
    response = client.get(reverse("regions:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_shows_the_create_form(client_for, admin_user):
    response = client_for(admin_user).get(reverse("regions:create"))
    assert response.status_code == 200
    assert "新增区域" in response.content.decode()


def test_it_creates_a_region_and_audits_it(client_for, admin_user, regions):
    response = client_for(admin_user).post(
        reverse("regions:create"), region_data(parent=regions["city"].pk)
    )

    assert response.status_code == 302
    assert response.url == reverse("regions:list")
    region = Region.objects.get(code="450105")
    assert region.name == "江南区"
    assert region.parent == regions["city"]
    assert region.sort_order == 3
    assert region.is_active
    entry = AuditEntry.objects.get(action="create", object_type="regions.region")
    assert entry.user == admin_user
    assert entry.object_id == str(region.pk)
    assert entry.region == region
    assert entry.changes["code"] == [None, "450105"]
    assert entry.changes["kind"] == [None, "区"]
    assert entry.changes["parent"] == [None, "南宁市"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"code": "450102"}, "code", "区域代码“450102”已被“兴宁区”使用。"),
        ({"code": "4501"}, "code", "区域代码应为6位、9位或12位数字"),
        ({"code": "45010a"}, "code", "区域代码应为6位、9位或12位数字"),
        ({"code": ""}, "code", "请填写区域代码。"),
        ({"name": ""}, "name", "请填写名称。"),
        ({"parent": ""}, "parent", "“区”须选择上级区域。"),
        ({"kind": "city"}, "parent", "“市”的上级区域应是更高一级的区域，不能是“市”。"),
    ],
)
def test_it_rejects_bad_input_next_to_the_field(
    client_for, admin_user, regions, overrides, field, message
):
    data = region_data(parent=regions["city"].pk)
    data.update(overrides)

    response = client_for(admin_user).post(reverse("regions:create"), data)

    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert message in response.content.decode()
    assert Region.objects.count() == 3
    assert not AuditEntry.objects.filter(object_type="regions.region").exists()


def test_it_edits_a_region_and_audits_old_and_new(client_for, admin_user, regions):
    region = regions["qingxiu"]
    data = region_data(code="450103", name="青秀区（新）", parent=regions["city"].pk, sort_order=5)

    response = client_for(admin_user).post(reverse("regions:edit", args=[region.pk]), data)

    assert response.status_code == 302
    region.refresh_from_db()
    assert region.name == "青秀区（新）"
    assert region.sort_order == 5
    entry = AuditEntry.objects.get(action="update")
    assert entry.object_id == str(region.pk)
    assert entry.changes == {"name": ["青秀区", "青秀区（新）"], "sort_order": [2, 5]}


def test_it_keeps_its_own_code_when_editing(client_for, admin_user, regions):
    region = regions["xingning"]
    data = region_data(code="450102", name="兴宁区", parent=regions["city"].pk, sort_order=1)

    response = client_for(admin_user).post(reverse("regions:edit", args=[region.pk]), data)

    assert response.status_code == 302
    # Nothing changed, so nothing is logged.
    assert not AuditEntry.objects.filter(object_type="regions.region").exists()


def test_it_deactivates_instead_of_deleting(client_for, admin_user, regions, make_person):
    region = regions["qingxiu"]
    make_person("王五", region=region)
    data = region_data(code="450103", name="青秀区", parent=regions["city"].pk, sort_order=2)
    del data["is_active"]

    response = client_for(admin_user).post(reverse("regions:edit", args=[region.pk]), data)

    assert response.status_code == 302
    region.refresh_from_db()
    assert not region.is_active
    assert region.persons.count() == 1
    entry = AuditEntry.objects.get(action="update", object_type="regions.region")
    assert entry.changes == {"is_active": [True, False]}


def test_it_refuses_to_deactivate_a_region_with_active_children(client_for, admin_user, regions):
    city = regions["city"]
    data = region_data(code="450100", name="南宁市", kind="city", parent="", sort_order=0)
    del data["is_active"]

    response = client_for(admin_user).post(reverse("regions:edit", args=[city.pk]), data)

    assert response.status_code == 200
    assert "该区域下还有启用的下级区域，请先停用下级区域。" in response.content.decode()
    city.refresh_from_db()
    assert city.is_active
    assert not AuditEntry.objects.filter(object_type="regions.region").exists()


def test_it_answers_404_for_a_missing_region(client_for, admin_user):
    assert client_for(admin_user).get(reverse("regions:edit", args=[9999])).status_code == 404


def test_it_offers_no_way_to_delete(client_for, admin_user, regions):
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        reverse("regions:delete", args=[regions["qingxiu"].pk])
    page = client_for(admin_user).get(reverse("regions:list")).content.decode()
    assert "删除" not in page.replace("不能删除", "")


def test_the_django_admin_lists_regions_but_never_deletes(client, regions):
    from tongxin.accounts.models import User

    root = User.objects.create_superuser(username="root", password="x-Root-Password-9")
    client.force_login(root, backend="tongxin.accounts.backends.TongxinBackend")

    response = client.get(reverse("admin:regions_region_changelist"))
    assert response.status_code == 200
    assert "兴宁区" in response.content.decode()
    delete_url = reverse("admin:regions_region_delete", args=[regions["qingxiu"].pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Region.objects.filter(pk=regions["qingxiu"].pk).exists()
