"""修改密码: one's own change, forced after an admin set the password or when it expired."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.accounts.services import user_create, user_set_password
from tongxin.audit.models import AuditEntry
from tongxin.conftest import PASSWORD

INITIAL = "Initial-password-2026"
OWN = "My-own-secret-Yong-7"
CHANGE_URL = "/account/password/"


def login(client, username: str, password: str, **extra):
    return client.post(reverse("login"), {"username": username, "password": password, **extra})


def change(client, old: str, new: str, **extra):
    return client.post(
        reverse("account:password_change"),
        {"old_password": old, "password1": new, "password2": new, **extra},
    )


@pytest.fixture
def new_user(admin_user):
    """An account an administrator just created (through the service the user page uses)."""
    return user_create(
        actor=admin_user,
        data={"username": "wang", "display_name": "王芳", "role": User.Role.EVALUATOR},
        password=INITIAL,
    )


def test_it_sends_a_new_account_to_change_its_password_first(client, new_user):
    assert new_user.must_change_password

    response = login(client, "wang", INITIAL, next=reverse("people:list"))
    assert response.status_code == 302
    response = client.get(response.url)

    assert response.status_code == 302
    assert response.url == f"{CHANGE_URL}?next=%2Fpersons%2F"
    page = client.get(response.url).content.decode()
    assert "修改密码" in page
    assert "请先设置只有您自己知道的新密码" in page
    # Every other page sends them back, htmx requests too.
    assert client.get(reverse("home")).url.startswith(CHANGE_URL)
    htmx = client.get(reverse("people:list"), headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == CHANGE_URL


def test_it_lets_the_user_go_on_after_the_change_and_audits_it(client, new_user):
    login(client, "wang", INITIAL)

    response = change(client, INITIAL, OWN, next=reverse("people:list"))

    assert response.status_code == 302
    assert response.url == reverse("people:list")
    assert client.get(reverse("home")).status_code == 200
    new_user.refresh_from_db()
    assert not new_user.must_change_password
    assert new_user.check_password(OWN)
    assert new_user.password_changed_at is not None
    entry = AuditEntry.objects.filter(object_id=str(new_user.pk), user=new_user).get()
    assert entry.action == AuditEntry.Action.UPDATE
    assert entry.changes == {"password": "本人修改", "reason": "首次登录或管理员重设后须修改"}
    assert OWN not in str(entry.changes) and new_user.password not in str(entry.changes)


@pytest.mark.parametrize(
    "path", [CHANGE_URL, "/mfa/", "/static/tongxin/app.css", "/account/password/?next=/"]
)
def test_it_exempts_the_change_page_two_factor_and_static(client, new_user, path):
    login(client, "wang", INITIAL)
    response = client.get(path)
    assert not (response.status_code == 302 and response.url.startswith(CHANGE_URL))


def test_it_lets_a_user_who_must_change_log_out(client, new_user):
    login(client, "wang", INITIAL)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response.url == reverse("login")
    assert "_auth_user_id" not in client.session


def test_it_refuses_a_wrong_current_password(client, new_user):
    login(client, "wang", INITIAL)

    response = change(client, "not-my-password", OWN)

    assert response.status_code == 200
    assert response.context["form"].errors["old_password"] == ["当前密码不正确。"]
    new_user.refresh_from_db()
    assert new_user.must_change_password and new_user.check_password(INITIAL)
    assert not AuditEntry.objects.filter(user=new_user, action="update").exists()


def test_it_flags_an_account_whose_password_an_admin_reset(client, admin_user, xingning_user):
    user_set_password(actor=admin_user, user=xingning_user, password=INITIAL)
    xingning_user.refresh_from_db()
    assert xingning_user.must_change_password

    login(client, "xingning", INITIAL)
    assert client.get(reverse("home")).url.startswith(CHANGE_URL)


def test_it_does_not_flag_an_admin_who_resets_their_own_password(admin_user):
    user_set_password(actor=admin_user, user=admin_user, password=INITIAL)
    admin_user.refresh_from_db()
    assert not admin_user.must_change_password


def test_every_user_may_change_their_own_password(client_for, leader_user):
    client = client_for(leader_user)
    assert "修改密码" in client.get(reverse("account:security")).content.decode()
    page = client.get(CHANGE_URL).content.decode()
    assert "当前密码" in page
    assert "请先设置只有您自己知道的新密码" not in page

    response = change(client, PASSWORD, OWN)

    assert response.status_code == 302
    assert response.url == reverse("account:security")
    leader_user.refresh_from_db()
    assert leader_user.check_password(OWN)
    assert AuditEntry.objects.get(user=leader_user, action="update").changes == {
        "password": "本人修改"
    }


def test_it_ends_the_other_sessions_but_keeps_this_one(client_for, xingning_user):
    other = Client()
    other.force_login(xingning_user, backend="tongxin.accounts.backends.TongxinBackend")
    client = client_for(xingning_user)

    change(client, PASSWORD, OWN)

    assert client.get(reverse("home")).status_code == 200
    assert other.get(reverse("home")).url.startswith(reverse("login"))


def test_it_ignores_a_next_page_on_another_site(client, new_user):
    login(client, "wang", INITIAL)
    response = change(client, INITIAL, OWN, next="https://example.com/")
    assert response.url == reverse("account:security")


# --- expiry (TONGXIN_PASSWORD_MAX_AGE_DAYS) -----------------------------------


def test_it_forces_a_change_when_the_password_expired(client_for, settings, xingning_user):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    xingning_user.password_changed_at = timezone.now() - datetime.timedelta(days=91)
    xingning_user.save(update_fields=["password_changed_at"])
    client = client_for(xingning_user)

    response = client.get(reverse("home"))

    assert response.url.startswith(CHANGE_URL)
    page = client.get(response.url).content.decode()
    assert "您的密码已超过 90 天未修改，已经过期" in page
    change(client, PASSWORD, OWN)
    assert client.get(reverse("home")).status_code == 200
    entry = AuditEntry.objects.get(user=xingning_user, action="update")
    assert entry.changes == {"password": "本人修改", "reason": "密码已过期"}


def test_it_counts_expiry_from_the_last_change(client_for, settings, xingning_user):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    xingning_user.password_changed_at = timezone.now()
    xingning_user.save(update_fields=["password_changed_at"])
    client = client_for(xingning_user)
    assert client.get(reverse("home")).status_code == 200

    with time_machine.travel(timezone.now() + datetime.timedelta(days=91)):
        client.force_login(xingning_user, backend="tongxin.accounts.backends.TongxinBackend")
        assert client.get(reverse("home")).url.startswith(CHANGE_URL)


def test_it_never_expires_by_default(client_for, settings, xingning_user):
    assert settings.PASSWORD_MAX_AGE_DAYS == 0
    xingning_user.password_changed_at = timezone.now() - datetime.timedelta(days=3650)
    xingning_user.save(update_fields=["password_changed_at"])
    assert client_for(xingning_user).get(reverse("home")).status_code == 200


def test_the_demo_accounts_are_never_forced_in_the_demo(client, db, settings):
    settings.DEMO = True
    settings.PASSWORD_MAX_AGE_DAYS = 1
    call_command("demo", persons=0, stdout=io.StringIO())
    User.objects.update(password_changed_at=timezone.now() - datetime.timedelta(days=30))

    response = login(client, "admin", settings.DEMO_PASSWORD)

    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
