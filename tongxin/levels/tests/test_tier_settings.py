"""Tier names and quotas (分级名称与名额) set by an administrator of the node:
inside their own subtree only, audited, with history."""

import pytest
from django.urls import reverse

from tongxin.accounts.models import User
from tongxin.audit.models import AuditEntry
from tongxin.conftest import PASSWORD
from tongxin.levels.models import Tier
from tongxin.levels.services import LevelError, tier_set
from tongxin.levels.tiers import tier_for
from tongxin.regions.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(regions):
    province = Region.objects.create(code="450000", name="广西壮族自治区", kind="province")
    regions["city"].parent = province
    regions["city"].save()
    liuzhou = Region.objects.create(code="450200", name="柳州市", kind="city", parent=province)
    users = {}
    for name, role, node in [
        ("province_admin", User.Role.ADMIN, province),
        ("nanning_admin", User.Role.ADMIN, regions["city"]),
        ("county_staff", User.Role.COUNTY, regions["xingning"]),
    ]:
        users[name] = User.objects.create_user(username=name, password=PASSWORD, role=role)
        users[name].regions.set([node])
    return {**regions, "province": province, "liuzhou": liuzhou, "users": users}


def form_data(form) -> dict:
    return {name: field.initial for name, field in form.fields.items() if field.initial is not None}


def test_a_city_admin_names_and_sizes_the_tiers_of_their_city(client_for, tree):
    client = client_for(tree["users"]["nanning_admin"])
    response = client.get(reverse("levels:quota_edit"))
    form = response.context["form"]
    assert [region.name for region, _n, _q in form.rows] == ["南宁市", "兴宁区", "青秀区"]
    data = form_data(form)
    data[f"name_{tree['xingning'].pk}"] = "兴宁区重点联系"
    data[f"quota_{tree['xingning'].pk}"] = 45
    data[f"name_{tree['city'].pk}"] = "南宁市重点联系"
    response = client.post(reverse("levels:quota_edit"), data)
    assert response.status_code == 302
    county = Tier.objects.get(region=tree["xingning"])
    assert (county.name, county.quota) == ("兴宁区重点联系", 45)
    assert Tier.objects.get(region=tree["city"]).name == "南宁市重点联系"
    entry = AuditEntry.objects.get(object_type="levels.tier", object_id=str(county.pk))
    assert entry.user == tree["users"]["nanning_admin"]
    assert entry.changes == {"name": [None, "兴宁区重点联系"], "quota": [None, 45]}
    # Renamed again: the history keeps both names and the audit row the change.
    data[f"name_{tree['xingning'].pk}"] = "兴宁区联系"
    client.post(reverse("levels:quota_edit"), data)
    county.refresh_from_db()
    assert county.name == "兴宁区联系"
    assert list(county.history.values_list("name", flat=True)) == ["兴宁区联系", "兴宁区重点联系"]
    latest = AuditEntry.objects.filter(object_type="levels.tier").latest("id")
    assert latest.changes == {"name": ["兴宁区重点联系", "兴宁区联系"]}
    # The person page, the roll-ups and 附件1 read the tier's name.
    assert str(tier_for(tree["xingning"])) == "兴宁区·兴宁区联系"


def test_a_city_admin_cannot_set_another_citys_or_the_provinces_tier(client_for, tree):
    province_tier = tier_for(tree["province"])
    liuzhou_tier = tier_for(tree["liuzhou"])
    admin = tree["users"]["nanning_admin"]
    client = client_for(admin)
    form = client.get(reverse("levels:quota_edit")).context["form"]
    assert f"name_{tree['province'].pk}" not in form.fields
    assert f"name_{tree['liuzhou'].pk}" not in form.fields
    # Fields for them posted by hand are not read.
    data = form_data(form)
    data[f"name_{tree['province'].pk}"] = "改名"
    data[f"quota_{tree['province'].pk}"] = 1
    data[f"name_{tree['liuzhou'].pk}"] = "改名"
    data[f"quota_{tree['liuzhou'].pk}"] = 1
    assert client.post(reverse("levels:quota_edit"), data).status_code == 302
    for tier in (province_tier, liuzhou_tier):
        before = (tier.name, tier.quota)
        tier.refresh_from_db()
        assert (tier.name, tier.quota) == before
    # The service refuses them too, whoever calls it.
    for region in (tree["province"], tree["liuzhou"]):
        with pytest.raises(LevelError, match="只能由本级及上级的系统管理员和市级工作人员设置"):
            tier_set(actor=admin, region=region, quota=1, name="改名")
    assert not AuditEntry.objects.filter(
        object_type="levels.tier", object_id__in=[str(province_tier.pk), str(liuzhou_tier.pk)]
    ).exists()


def test_the_province_admin_sets_the_province_and_its_cities(client_for, tree):
    client = client_for(tree["users"]["province_admin"])
    form = client.get(reverse("levels:quota_edit")).context["form"]
    names = [region.name for region, _n, _q in form.rows]
    assert names[:3] == ["广西壮族自治区", "南宁市", "柳州市"]
    data = form_data(form)
    data[f"quota_{tree['province'].pk}"] = 100
    data[f"quota_{tree['liuzhou'].pk}"] = 150
    assert client.post(reverse("levels:quota_edit"), data).status_code == 302
    assert Tier.objects.get(region=tree["province"]).quota == 100
    assert Tier.objects.get(region=tree["province"]).name == "自治区重点联系"
    assert Tier.objects.get(region=tree["liuzhou"]).quota == 150


def test_a_blank_name_is_refused_with_the_field_named_and_nothing_saved(client_for, tree):
    client = client_for(tree["users"]["nanning_admin"])
    data = form_data(client.get(reverse("levels:quota_edit")).context["form"])
    data[f"quota_{tree['qingxiu'].pk}"] = 70
    data[f"name_{tree['xingning'].pk}"] = ""
    response = client.post(reverse("levels:quota_edit"), data)
    assert response.status_code == 200
    assert "请填写兴宁区的分级名称" in response.content.decode()
    assert not Tier.objects.exists()
    data[f"name_{tree['xingning'].pk}"] = "名" * 31
    response = client.post(reverse("levels:quota_edit"), data)
    assert "兴宁区的分级名称不能超过30字" in response.content.decode()
    assert not Tier.objects.exists()


def test_county_staff_do_not_set_tiers(client_for, tree):
    client = client_for(tree["users"]["county_staff"])
    assert client.get(reverse("levels:quota_edit")).status_code == 404
    response = client.post(reverse("levels:quota_edit"), {f"name_{tree['xingning'].pk}": "x"})
    assert response.status_code == 404
    assert not Tier.objects.exists()
