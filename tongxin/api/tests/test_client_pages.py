import datetime
import re

import pytest
from django.urls import reverse

from tongxin.accounts.models import User
from tongxin.api.models import ApiClient, token_digest
from tongxin.audit.models import AuditEntry
from tongxin.conftest import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN_RE = re.compile(r'value="(txapi_[A-Za-z0-9_\-]+)"')


def _form(region, **overrides):
    return {
        "name": "市委组织部干部信息系统",
        "region": region.pk,
        "access": "read",
        "expires_on": (datetime.date.today() + datetime.timedelta(days=90)).isoformat(),
        **overrides,
    }


def _create(client, region, **overrides) -> tuple[ApiClient, str]:
    response = client.post(reverse("api_clients:create"), _form(region, **overrides), follow=True)
    assert response.status_code == 200
    match = TOKEN_RE.search(response.content.decode())
    assert match, response.content.decode()
    return ApiClient.objects.get(name=overrides.get("name", "市委组织部干部信息系统")), match[1]


def _status(client, token) -> int:
    return client.get("/api/v1/regions", HTTP_AUTHORIZATION=f"Bearer {token}").status_code


def test_it_creates_a_client_and_shows_its_token_once_stored_as_a_digest(
    client_for, admin_user, regions
):
    web = client_for(admin_user)

    api_client, token = _create(web, regions["xingning"], unmasked_identifiers="on")

    assert (api_client.region, api_client.access, api_client.unmasked_identifiers) == (
        regions["xingning"],
        "read",
        True,
    )
    assert api_client.token_digest == token_digest(token)
    assert token not in {getattr(api_client, f.attname) for f in ApiClient._meta.fields}
    # Shown once: the page opened again no longer carries it.
    again = web.get(reverse("api_clients:detail", args=[api_client.pk])).content.decode()
    assert token not in again and api_client.token_hint in again
    assert _status(web, token) == 200
    entry = AuditEntry.objects.get(object_type="api.apiclient", action="create")
    assert entry.user == admin_user
    assert entry.changes["region"] == [None, "兴宁区"]
    assert token not in str(entry.changes)
    listed = web.get(reverse("api_clients:list")).content.decode()
    assert "市委组织部干部信息系统" in listed and "兴宁区" in listed


def test_rotating_a_token_stops_the_old_one_at_once(client_for, admin_user, regions):
    web = client_for(admin_user)
    api_client, old = _create(web, regions["xingning"])

    response = web.post(reverse("api_clients:rotate", args=[api_client.pk]), follow=True)

    new = TOKEN_RE.search(response.content.decode())[1]
    assert new != old
    assert _status(web, old) == 401
    assert _status(web, new) == 200
    entry = AuditEntry.objects.get(object_type="api.apiclient", action="update")
    assert "已更换令牌" in entry.changes["token_hint"][1]


def test_a_revoked_client_is_refused_and_cannot_be_rotated(client_for, admin_user, regions):
    web = client_for(admin_user)
    api_client, token = _create(web, regions["xingning"])

    web.post(reverse("api_clients:revoke", args=[api_client.pk]))

    api_client.refresh_from_db()
    assert api_client.revoked_at is not None
    response = web.get("/api/v1/regions", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    rotated = web.post(reverse("api_clients:rotate", args=[api_client.pk]), follow=True)
    assert "已停用的客户端不能更换令牌" in rotated.content.decode()
    assert _status(web, token) == 401
    assert AuditEntry.objects.filter(
        object_type="api.apiclient", action="update", changes__state=["有效", "已停用"]
    ).exists()


def test_an_expired_client_is_refused(client_for, admin_user, regions):
    web = client_for(admin_user)
    api_client, token = _create(web, regions["xingning"])

    ApiClient.objects.filter(pk=api_client.pk).update(
        expires_on=datetime.date.today() - datetime.timedelta(days=1)
    )

    assert _status(web, token) == 401
    assert "已过期" in web.get(reverse("api_clients:list")).content.decode()


def test_the_form_names_its_problems_in_chinese(client_for, admin_user, regions):
    web = client_for(admin_user)

    response = web.post(
        reverse("api_clients:create"),
        _form(regions["xingning"], name="", expires_on="2020-01-01"),
    )

    text = response.content.decode()
    assert "请填写客户端名称" in text
    assert "有效期至不能早于今天" in text
    assert not ApiClient.objects.exists()


def test_an_administrator_limits_clients_to_their_own_region(client, regions):
    county_admin = User.objects.create_user(
        username="xnadmin", password=PASSWORD, role=User.Role.ADMIN
    )
    county_admin.regions.set([regions["xingning"]])
    client.force_login(county_admin, backend="tongxin.accounts.backends.TongxinBackend")

    response = client.post(reverse("api_clients:create"), _form(regions["city"]))

    assert response.status_code == 200
    assert "限定区域必须在您负责的区域之内" in response.content.decode()
    assert not ApiClient.objects.exists()


def test_other_roles_do_not_find_the_pages(
    client_for, xingning_user, leader_user, admin_user, regions
):
    web = client_for(admin_user)
    api_client, _token = _create(web, regions["xingning"])
    for user in (xingning_user, leader_user):
        web = client_for(user)
        for url in (
            reverse("api_clients:list"),
            reverse("api_clients:create"),
            reverse("api_clients:detail", args=[api_client.pk]),
        ):
            assert web.get(url).status_code == 404
        assert web.post(reverse("api_clients:revoke", args=[api_client.pk])).status_code == 404
    api_client.refresh_from_db()
    assert api_client.revoked_at is None


def test_an_administrator_of_another_county_does_not_find_the_client(
    client, client_for, admin_user, regions
):
    api_client, _token = _create(client_for(admin_user), regions["xingning"])
    other_admin = User.objects.create_user(
        username="qxadmin", password=PASSWORD, role=User.Role.ADMIN
    )
    other_admin.regions.set([regions["qingxiu"]])
    client.force_login(other_admin, backend="tongxin.accounts.backends.TongxinBackend")

    assert client.get(reverse("api_clients:detail", args=[api_client.pk])).status_code == 404
    assert client.post(reverse("api_clients:rotate", args=[api_client.pk])).status_code == 404
    assert "市委组织部" not in client.get(reverse("api_clients:list")).content.decode()


def test_the_audit_log_shows_a_call_in_words(client_for, admin_user, regions, make_person):
    web = client_for(admin_user)
    person = make_person("张三")
    api_client, token = _create(web, regions["xingning"])
    web.get(f"/api/v1/persons/{person.pk}", HTTP_AUTHORIZATION=f"Bearer {token}")

    page = web.get(reverse("audit:list")).content.decode()

    assert f"接口：{api_client.name}" in page
    assert "接口路径：api:person" in page
    assert f"涉及的记录：people.person：{person.pk}" in page
