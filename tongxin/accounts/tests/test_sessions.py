"""Session limits (idle timeout, absolute lifetime), 退出所有设备, cookie flags."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tongxin.accounts.middleware import LAST_ACTIVITY
from tongxin.audit.models import AuditEntry
from tongxin.conftest import PASSWORD

IDLE = "长时间未操作，已自动退出，请重新登录"
START = datetime.datetime(2026, 11, 22, 9, 0, tzinfo=datetime.UTC)
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def sign_in(client, username: str = "xingning"):
    response = client.post(
        reverse("login"), {"username": username, "password": PASSWORD}, REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 302
    return client


def test_the_defaults_are_thirty_minutes_and_twelve_hours(settings):
    assert settings.SESSION_IDLE_MINUTES == 30
    assert settings.SESSION_MAX_HOURS == 12


def test_it_signs_out_an_idle_session_and_comes_back_to_the_page(client, clock, xingning_user):
    sign_in(client)
    clock.shift(30 * MINUTE + datetime.timedelta(seconds=1))

    response = client.get(reverse("people:list"), {"q": "张"})

    assert response.status_code == 302
    assert response.url == "/login/?next=%2Fpersons%2F%3Fq%3D%25E5%25BC%25A0"
    assert "_auth_user_id" not in client.session
    login_page = client.get(response.url).content.decode()
    assert IDLE in login_page
    assert 'name="next" value="/persons/?q=%E5%BC%A0"' in login_page
    logout = AuditEntry.objects.filter(action=AuditEntry.Action.LOGOUT).get()
    assert logout.user == xingning_user
    # Signing in again returns to the page asked for.
    response = client.post(
        response.url,
        {"username": "xingning", "password": PASSWORD, "next": "/persons/?q=%E5%BC%A0"},
    )
    assert response.url == "/persons/?q=%E5%BC%A0"


def test_it_keeps_a_session_in_use(client, clock, xingning_user):
    sign_in(client)
    for _ in range(6):
        clock.shift(20 * MINUTE)
        assert client.get(reverse("home")).status_code == 200


def test_it_answers_htmx_with_a_client_redirect_to_the_page(client, clock, xingning_user):
    sign_in(client)
    clock.shift(31 * MINUTE)

    response = client.get(
        reverse("people:list"),
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/persons/?page=2"},
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == "/login/?next=%2Fpersons%2F%3Fpage%3D2"
    assert "_auth_user_id" not in client.session


def test_it_returns_a_timed_out_form_post_to_the_form(client, clock, xingning_user):
    sign_in(client)
    clock.shift(31 * MINUTE)

    response = client.post(
        reverse("account:logout_everywhere"), headers={"Referer": "http://testserver/account/"}
    )

    assert response.url == "/login/?next=%2Faccount%2F"
    assert not AuditEntry.objects.filter(changes__has_key="scope").exists()


def test_it_signs_out_after_the_absolute_lifetime_even_when_active(client, clock, xingning_user):
    sign_in(client)
    for _ in range(12 * 3):
        clock.shift(20 * MINUTE)
        assert client.get(reverse("home")).status_code == 200
    clock.shift(MINUTE)

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url.startswith("/login/?next=")
    assert (
        "本次登录已超过 12 小时，已自动退出，请重新登录。"
        in client.get(response.url).content.decode()
    )


def test_the_limits_follow_the_settings(client, clock, settings, xingning_user):
    settings.SESSION_IDLE_MINUTES = 5
    sign_in(client)
    clock.shift(4 * MINUTE)
    assert client.get(reverse("home")).status_code == 200
    clock.shift(6 * MINUTE)
    assert client.get(reverse("home")).status_code == 302


def session_writes(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum('UPDATE "django_session"' in q["sql"] for q in queries.captured_queries)


def test_it_writes_the_last_activity_at_most_once_a_minute(client, clock, xingning_user):
    url = reverse("account:security")
    sign_in(client)
    stored = client.session[LAST_ACTIVITY]
    assert session_writes(client, url) == 0

    clock.shift(datetime.timedelta(seconds=59))
    assert session_writes(client, url) == 0
    assert client.session[LAST_ACTIVITY] == stored

    clock.shift(datetime.timedelta(seconds=2))
    assert session_writes(client, url) == 1
    assert client.session[LAST_ACTIVITY] == stored + 61
    assert session_writes(client, url) == 0


# --- 退出所有设备 ---------------------------------------------------------------


def test_logout_everywhere_ends_the_other_sessions_and_keeps_this_one(client, xingning_user):
    other = sign_in(Client())
    third = sign_in(Client())
    sign_in(client)
    assert "退出所有其他设备" in client.get(reverse("account:security")).content.decode()

    response = client.post(reverse("account:logout_everywhere"))

    assert response.status_code == 302
    assert response.url == reverse("account:security")
    page = client.get(response.url).content.decode()
    assert "已退出所有其他设备上的登录，本设备仍保持登录。" in page
    for gone in (other, third):
        assert gone.get(reverse("home")).url.startswith(reverse("login"))
    xingning_user.refresh_from_db()
    assert xingning_user.session_generation == 1
    entry = AuditEntry.objects.get(action=AuditEntry.Action.LOGOUT, changes__has_key="scope")
    assert entry.user == xingning_user
    assert entry.object_id == str(xingning_user.pk)
    assert entry.changes == {"scope": "退出所有设备：其他设备上的登录已全部失效"}


def test_logout_everywhere_leaves_other_users_signed_in(client_for, xingning_user, city_user):
    city = Client()
    city.force_login(city_user, backend="tongxin.accounts.backends.TongxinBackend")

    client_for(xingning_user).post(reverse("account:logout_everywhere"))

    assert city.get(reverse("home")).status_code == 200


def test_logout_everywhere_needs_a_post(client_for, xingning_user):
    assert client_for(xingning_user).get(reverse("account:logout_everywhere")).status_code == 405
    xingning_user.refresh_from_db()
    assert xingning_user.session_generation == 0


def test_generation_zero_keeps_djangos_session_hash(xingning_user):
    # Sessions made before the upgrade stay valid.
    from django.contrib.auth.base_user import AbstractBaseUser

    djangos = AbstractBaseUser._get_session_auth_hash(xingning_user)
    assert xingning_user.get_session_auth_hash() == djangos
    xingning_user.session_generation = 1
    assert xingning_user.get_session_auth_hash() != djangos


# --- cookies ------------------------------------------------------------------


def test_the_cookies_are_http_only_and_same_site(client, xingning_user):
    client.get(reverse("login"))
    response = client.post(reverse("login"), {"username": "xingning", "password": PASSWORD})

    session = response.cookies["sessionid"]
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    assert not session["secure"]
    assert not session["max-age"]  # ends with the browser
    csrf = client.cookies["csrftoken"]
    assert csrf["httponly"] is True
    assert csrf["samesite"] == "Lax"


def test_the_cookies_are_secure_over_https(tmp_path):
    import os
    import subprocess
    import sys

    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='tongxin.settings'; "
        "from django.conf import settings; "
        "print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)"
    )
    env = {
        **os.environ,
        "TONGXIN_HTTPS": "1",
        "TONGXIN_ALLOW_INSECURE_KEY": "1",
        "TONGXIN_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["True", "True"]
