"""Logins leave audit entries; production refuses the published demo password."""

from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.conftest import PASSWORD

DEMO_MESSAGE = "生产环境不能使用公开的演示密码登录"


def login(client, username: str, password: str):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.1.2.3"
    )


def test_it_logs_a_successful_login(client, xingning_user):
    response = login(client, "xingning", PASSWORD)

    assert response.status_code == 302
    assert response.url == reverse("home")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN)
    assert entry.user == xingning_user
    assert entry.username == "xingning"
    assert entry.ip_address == "10.1.2.3"
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_FAILED).exists()


def test_it_logs_a_failed_login_with_the_username(client, xingning_user):
    response = login(client, "xingning", "wrong-password")

    assert response.status_code == 200
    assert "用户名或密码不正确。" in response.content.decode()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN_FAILED)
    assert entry.username == "xingning"
    assert entry.user is None
    assert entry.ip_address == "10.1.2.3"
    assert "wrong-password" not in str(entry.changes)
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN).exists()


def test_it_logs_a_failed_login_of_an_unknown_username(client, regions):
    login(client, "nobody", "whatever-password")

    assert AuditEntry.objects.get(action=AuditEntry.Action.LOGIN_FAILED).username == "nobody"


def test_it_refuses_the_demo_password_in_production(client, settings, xingning_user):
    settings.DEBUG = False
    settings.DEMO = False
    xingning_user.set_password(settings.DEMO_PASSWORD)
    xingning_user.save(update_fields=["password"])

    response = login(client, "xingning", "tongxin-demo")

    assert response.status_code == 200
    assert DEMO_MESSAGE in response.content.decode()
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN_FAILED)
    assert entry.username == "xingning"
    assert entry.changes == {"reason": "使用演示密码（生产模式下禁止）"}
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN).exists()


def test_it_accepts_the_demo_password_in_the_demo(client, settings, xingning_user):
    settings.DEBUG = False
    settings.DEMO = True
    xingning_user.set_password(settings.DEMO_PASSWORD)
    xingning_user.save(update_fields=["password"])

    response = login(client, "xingning", "tongxin-demo")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(xingning_user.pk)
    assert AuditEntry.objects.get(action=AuditEntry.Action.LOGIN).user == xingning_user


def test_it_logs_a_logout(client, xingning_user):
    login(client, "xingning", PASSWORD)

    response = client.post(reverse("logout"), REMOTE_ADDR="10.1.2.3")

    assert response.status_code == 302
    entry = AuditEntry.objects.get(action=AuditEntry.Action.LOGOUT)
    assert entry.user == xingning_user
