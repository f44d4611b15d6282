"""Enrolment: the QR code and the secret, confirming with a code, recovery codes."""

import json
from base64 import b32encode

from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tongxin.audit.models import AuditEntry
from tongxin.conftest import PASSWORD

from .conftest import code_for


def mfa_entries(user):
    return AuditEntry.objects.filter(object_type="accounts.user", object_id=str(user.pk))


def test_it_shows_the_qr_code_and_the_secret(client_for, admin_user, settings):
    settings.MFA_REQUIRED = "admin"
    client = client_for(admin_user)

    response = client.get(reverse("mfa:setup"))

    assert response.status_code == 200
    page = response.content.decode()
    key = client.session["mfa_pending_key"]
    secret = b32encode(bytes.fromhex(key)).decode()
    assert "<svg" in page and "用验证器扫描此二维码" in page
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in page
    assert "按本系统的安全要求，你的账号必须启用两步验证" in page
    assert not TOTPDevice.objects.exists()
    # Reloading keeps the secret the app may already have scanned.
    client.get(reverse("mfa:setup"))
    assert client.session["mfa_pending_key"] == key


def test_it_refuses_a_wrong_code_in_chinese(client_for, admin_user, settings, clock):
    settings.MFA_REQUIRED = "admin"
    client = client_for(admin_user)
    client.get(reverse("mfa:setup"))
    right = code_for(client.session["mfa_pending_key"])
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    response = client.post(reverse("mfa:setup"), {"code": wrong})

    assert response.status_code == 200
    assert "验证码不正确或已过期" in response.content.decode()
    assert not TOTPDevice.objects.exists()
    assert not StaticToken.objects.exists()
    assert not mfa_entries(admin_user).exists()
    assert client.get(reverse("home")).url.startswith(reverse("mfa:setup"))


def test_it_asks_for_six_digits(client_for, admin_user, settings):
    settings.MFA_REQUIRED = "admin"
    client = client_for(admin_user)
    client.get(reverse("mfa:setup"))

    for code in ["", "12345", "abcdef"]:
        response = client.post(reverse("mfa:setup"), {"code": code})
        assert response.status_code == 200
        page = response.content.decode()
        assert "请输入验证码" in page or "请输入验证器上显示的6位数字" in page
    assert not TOTPDevice.objects.exists()


def test_it_enrols_and_shows_ten_recovery_codes_once(client_for, admin_user, settings, clock):
    settings.MFA_REQUIRED = "admin"
    client = client_for(admin_user)
    client.get(reverse("mfa:setup"))
    key = client.session["mfa_pending_key"]

    response = client.post(reverse("mfa:setup"), {"code": code_for(key), "next": "/persons/"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "这些恢复码只显示这一次" in page
    codes = response.context["codes"]
    assert len(codes) == 10
    assert all(code in page for code in codes)
    device = TOTPDevice.objects.get(user=admin_user)
    assert device.confirmed and device.key == key
    stored = set(
        StaticToken.objects.filter(device__user=admin_user).values_list("token", flat=True)
    )
    assert stored == {code.replace("-", "") for code in codes}
    assert "mfa_pending_key" not in client.session
    entry = mfa_entries(admin_user).get(action=AuditEntry.Action.UPDATE)
    assert entry.username == "admin"
    assert "启用" in entry.changes["两步验证"]
    logged = json.dumps(entry.changes, ensure_ascii=False)
    assert key not in logged and code_for(key) not in logged
    assert not any(code in logged or code.replace("-", "") in logged for code in codes)
    # Shown once: the overview only counts them.
    overview = client.get(reverse("mfa:overview")).content.decode()
    assert "剩余恢复码 <strong>10</strong> 个" in overview
    assert codes[0] not in overview


def test_it_sends_an_enrolled_user_from_setup_to_the_overview(
    client_for, admin_user, settings, enrol
):
    settings.MFA_REQUIRED = "admin"
    enrol(admin_user)
    client = client_for(admin_user)

    response = client.get(reverse("mfa:setup"))

    assert response.status_code == 302
    assert response.url == reverse("mfa:overview")
    assert TOTPDevice.objects.filter(user=admin_user).count() == 1


def test_it_regenerates_recovery_codes_and_the_old_ones_stop_working(
    client, xingning_user, settings, enrol, clock
):
    settings.MFA_REQUIRED = "admin"
    key, old_codes = enrol(xingning_user)
    client.post(reverse("login"), {"username": "xingning", "password": PASSWORD})
    client.post(reverse("mfa:verify"), {"code": code_for(key)})

    response = client.post(reverse("mfa:recovery_codes"))

    assert response.status_code == 200
    new_codes = response.context["codes"]
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert "原来的恢复码已全部作废" in response.content.decode()
    stored = set(
        StaticToken.objects.filter(device__user=xingning_user).values_list("token", flat=True)
    )
    assert stored == {code.replace("-", "") for code in new_codes}
    assert any("重新生成恢复码" in e.changes["两步验证"] for e in mfa_entries(xingning_user))
    # Still verified: the session was proven before the codes changed.
    assert client.get(reverse("people:list")).status_code == 200

    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": "xingning", "password": PASSWORD})
    clock.shift(5)
    refused = client.post(reverse("mfa:verify"), {"code": old_codes[0]})
    assert "验证码不正确或已过期" in refused.content.decode()


def test_it_does_not_regenerate_for_a_user_without_authenticator(client_for, xingning_user):
    response = client_for(xingning_user).post(reverse("mfa:recovery_codes"), follow=True)
    assert "尚未启用两步验证" in response.content.decode()
    assert not StaticToken.objects.exists()
