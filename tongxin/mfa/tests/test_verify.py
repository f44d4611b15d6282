"""The verification page: authenticator codes, recovery codes, throttling."""

from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken

from tongxin.audit.models import AuditEntry
from tongxin.conftest import PASSWORD

from .conftest import code_for


def login(client, username: str):
    client.post(reverse("login"), {"username": username, "password": PASSWORD})


def entries(user, action):
    return [
        e.changes["两步验证"]
        for e in AuditEntry.objects.filter(object_id=str(user.pk), action=action)
        if "两步验证" in e.changes
    ]


def test_it_refuses_a_wrong_code_and_audits_the_failure(client, admin_user, settings, enrol):
    settings.MFA_REQUIRED = "admin"
    key, _ = enrol(admin_user)
    login(client, "admin")
    wrong = f"{(int(code_for(key)) + 1) % 1_000_000:06d}"

    response = client.post(reverse("mfa:verify"), {"code": wrong})

    assert response.status_code == 200
    assert "验证码不正确或已过期" in response.content.decode()
    assert client.get(reverse("people:list")).url.startswith(reverse("mfa:verify"))
    assert entries(admin_user, AuditEntry.Action.LOGIN_FAILED) == ["登录验证：验证码不正确或已过期"]
    assert wrong not in str(AuditEntry.objects.values_list("changes", flat=True))


def test_it_throttles_guessing_with_a_chinese_message(client, admin_user, settings, enrol, clock):
    settings.MFA_REQUIRED = "admin"
    key, _ = enrol(admin_user)
    login(client, "admin")
    client.post(reverse("mfa:verify"), {"code": "000000"})
    clock.shift(1)
    client.post(reverse("mfa:verify"), {"code": "000001"})

    # Two failures: the next try must wait 2 seconds, even with the right code.
    refused = client.post(reverse("mfa:verify"), {"code": code_for(key)})
    assert "验证码错误次数过多，请2秒后再试" in refused.content.decode()
    assert client.get(reverse("home")).status_code == 302

    clock.shift(2)
    accepted = client.post(reverse("mfa:verify"), {"code": code_for(key)})
    assert accepted.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_it_accepts_a_recovery_code_once(client, admin_user, settings, enrol, clock):
    settings.MFA_REQUIRED = "admin"
    _, codes = enrol(admin_user)
    login(client, "admin")

    response = client.post(
        reverse("mfa:verify"), {"code": codes[0].upper().replace("-", " "), "next": "/users/"}
    )

    assert response.status_code == 302
    assert response.url == "/users/"
    page = client.get(reverse("accounts:user_list")).content.decode()
    assert "你使用了一个恢复码，它已作废，还剩9个" in page
    assert StaticToken.objects.filter(device__user=admin_user).count() == 9
    assert entries(admin_user, AuditEntry.Action.LOGIN) == ["通过（使用恢复码，剩余9个）"]

    client.post(reverse("logout"))
    clock.shift(5)
    login(client, "admin")
    again = client.post(reverse("mfa:verify"), {"code": codes[0]})
    assert again.status_code == 200
    assert "验证码不正确或已过期" in again.content.decode()
    assert client.get(reverse("home")).status_code == 302
    clock.shift(5)
    assert client.post(reverse("mfa:verify"), {"code": codes[1]}).status_code == 302


def test_it_goes_only_to_pages_of_this_site(client, admin_user, settings, enrol):
    settings.MFA_REQUIRED = "admin"
    key, _ = enrol(admin_user)
    login(client, "admin")

    response = client.post(
        reverse("mfa:verify"), {"code": code_for(key), "next": "https://evil.example/"}
    )

    assert response.status_code == 302
    assert response.url == reverse("home")


def test_it_sends_a_required_user_without_authenticator_to_enrolment(
    client_for, admin_user, settings
):
    settings.MFA_REQUIRED = "admin"
    response = client_for(admin_user).get(reverse("mfa:verify"), {"next": "/users/"})
    assert response.status_code == 302
    assert response.url == reverse("mfa:setup") + "?next=%2Fusers%2F"


def test_it_passes_an_optional_user_without_authenticator_through(client_for, xingning_user):
    response = client_for(xingning_user).get(reverse("mfa:verify"), {"next": "/persons/"})
    assert response.status_code == 302
    assert response.url == "/persons/"
