"""Turning two-factor off: by the user when optional, by a system admin for a lost phone."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tongxin.audit.models import AuditEntry
from tongxin.conftest import PASSWORD

from .conftest import code_for

OUTSIDERS = ["xingning_user", "city_user", "leader_user"]


def login_and_verify(client, username: str, key: str):
    client.post(reverse("login"), {"username": username, "password": PASSWORD})
    response = client.post(reverse("mfa:verify"), {"code": code_for(key)})
    assert response.status_code == 302


def mfa_notes(user):
    return [
        e.changes["两步验证"]
        for e in AuditEntry.objects.filter(object_id=str(user.pk), object_type="accounts.user")
        if "两步验证" in e.changes
    ]


def test_it_lets_a_user_turn_off_optional_two_factor(client, xingning_user, settings, enrol, clock):
    settings.MFA_REQUIRED = "admin"
    key, _ = enrol(xingning_user)
    login_and_verify(client, "xingning", key)
    clock.shift(30)

    response = client.post(reverse("mfa:disable"), {"code": code_for(key)}, follow=True)

    assert "已停用两步验证" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=xingning_user).exists()
    assert not StaticDevice.objects.filter(user=xingning_user).exists()
    assert "本人停用（验证器和恢复码已删除）" in mfa_notes(xingning_user)
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": "xingning", "password": PASSWORD})
    assert client.get(reverse("people:list")).status_code == 200


def test_it_needs_a_current_code_to_turn_off(client, xingning_user, settings, enrol, clock):
    settings.MFA_REQUIRED = "admin"
    key, _ = enrol(xingning_user)
    login_and_verify(client, "xingning", key)
    clock.shift(30)

    response = client.post(reverse("mfa:disable"), {"code": "123456"})

    assert response.status_code == 200
    assert "验证码不正确或已过期" in response.content.decode()
    assert TOTPDevice.objects.filter(user=xingning_user).exists()


def test_it_does_not_let_a_required_user_turn_off(client, admin_user, settings, enrol, clock):
    settings.MFA_REQUIRED = "admin"
    key, _ = enrol(admin_user)
    login_and_verify(client, "admin", key)
    clock.shift(30)

    response = client.post(reverse("mfa:disable"), {"code": code_for(key)})

    assert response.status_code == 200
    assert "系统要求你的账号使用两步验证，不能停用" in response.content.decode()
    assert TOTPDevice.objects.filter(user=admin_user).exists()
    assert "不能停用" in client.get(reverse("mfa:overview")).content.decode()


def test_it_lets_a_system_admin_reset_a_lost_phone(
    client, client_for, admin_user, city_user, settings, enrol
):
    settings.MFA_REQUIRED = "all"
    admin_key, _ = enrol(admin_user)
    city_key, _ = enrol(city_user)
    city_client = client_for(city_user)  # a session of the user, verified
    city_client.post(reverse("mfa:verify"), {"code": code_for(city_key)})
    assert city_client.get(reverse("people:list")).status_code == 200
    admin_client = Client()
    login_and_verify(admin_client, "admin", admin_key)

    status = admin_client.get(reverse("mfa:user", args=[city_user.pk]))
    assert status.status_code == 200
    assert "已启用" in status.content.decode()
    response = admin_client.post(reverse("mfa:user_reset", args=[city_user.pk]), follow=True)

    page = response.content.decode()
    assert "已重置用户“city”的两步验证" in page
    assert "该用户下次登录时需要重新绑定验证器" in page
    assert not TOTPDevice.objects.filter(user=city_user).exists()
    assert not StaticDevice.objects.filter(user=city_user).exists()
    assert TOTPDevice.objects.filter(user=admin_user).exists()
    entry = AuditEntry.objects.get(object_id=str(city_user.pk), username="admin")
    assert entry.action == AuditEntry.Action.UPDATE
    assert entry.changes == {"两步验证": "由管理员重置（验证器和恢复码已删除）"}
    # The user's verified session no longer is; they enrol again.
    assert city_client.get(reverse("people:list")).url.startswith(reverse("mfa:setup"))


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_it_hides_another_users_two_factor_from_everyone_but_the_admin(
    client_for, request, admin_user, settings, enrol, outsider
):
    settings.MFA_REQUIRED = "admin"
    enrol(admin_user)
    client = client_for(request.getfixturevalue(outsider))

    assert client.get(reverse("mfa:user", args=[admin_user.pk])).status_code == 404
    assert client.post(reverse("mfa:user_reset", args=[admin_user.pk])).status_code == 404
    assert TOTPDevice.objects.filter(user=admin_user).exists()
    assert not any("重置" in note for note in mfa_notes(admin_user))


def test_it_answers_404_for_an_unknown_user(client_for, admin_user):
    assert client_for(admin_user).post(reverse("mfa:user_reset", args=[999])).status_code == 404


def test_it_shows_a_user_their_own_status(client_for, xingning_user):
    page = client_for(xingning_user).get(reverse("mfa:overview")).content.decode()
    assert "未启用" in page and "启用两步验证" in page
