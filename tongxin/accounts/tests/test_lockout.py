"""Login lockout: 5 failures for an account or from an address within 15 minutes lock
it for 15 minutes; system administrators see the locks and can lift one."""

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tongxin.accounts.locks import login_locks_current
from tongxin.audit.models import AuditEntry
from tongxin.conftest import PASSWORD

LOCKED = "登录失败次数过多"
START = datetime.datetime(2026, 11, 22, 9, 0, tzinfo=datetime.UTC)


def login(client, username: str, password: str, ip: str = "10.1.2.3"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def is_locked(response) -> bool:
    return response.status_code == 429 and LOCKED in response.content.decode()


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_the_settings_are_five_failures_and_fifteen_minutes(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == datetime.timedelta(minutes=15)
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]


def test_it_locks_an_account_after_five_failures_from_any_addresses(client, clock, xingning_user):
    for i in range(4):
        login(client, "xingning", "wrong-password", ip=f"10.0.0.{i}")
    # Four failures: still allowed.
    assert login(client, "xingning", PASSWORD, ip="10.0.0.9").status_code == 302
    client.logout()
    login(client, "xingning", "wrong-password", ip="10.0.0.4")

    response = login(client, "xingning", PASSWORD, ip="10.0.0.99")

    assert is_locked(response)
    assert "请联系系统管理员" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # The addresses themselves are not locked: another account signs in from one.
    assert login(Client(), "city", "whatever", ip="10.0.0.4").status_code == 200


def test_it_locks_an_address_after_five_failures_for_any_accounts(
    client, clock, xingning_user, city_user
):
    for i in range(5):
        login(client, f"guess{i}", "wrong-password", ip="10.9.9.9")

    assert is_locked(login(client, "xingning", PASSWORD, ip="10.9.9.9"))
    # The accounts are not locked: from another address they sign in.
    assert login(Client(), "xingning", PASSWORD, ip="10.1.1.1").status_code == 302


def test_it_releases_the_lock_after_fifteen_minutes(client, clock, xingning_user):
    for _ in range(5):
        login(client, "xingning", "wrong-password")
    clock.shift(datetime.timedelta(minutes=14, seconds=59))
    assert is_locked(login(client, "xingning", PASSWORD))

    clock.shift(datetime.timedelta(seconds=2))
    response = login(client, "xingning", PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(xingning_user.pk)


def test_failures_more_than_fifteen_minutes_apart_do_not_add_up(client, clock, xingning_user):
    for _ in range(4):
        login(client, "xingning", "wrong-password")
    clock.shift(datetime.timedelta(minutes=16))
    login(client, "xingning", "wrong-password")

    assert login(client, "xingning", PASSWORD).status_code == 302


# --- the 登录锁定 page ---------------------------------------------------------


def lock_account_and_address():
    """xingning: 5 failures from 5 addresses; 10.9.9.9: 5 failures for 5 accounts."""
    for i in range(1, 6):
        login(Client(), "xingning", "wrong-password", ip=f"10.0.0.{i}")
    for i in range(5):
        login(Client(), f"guess{i}", "wrong-password", ip="10.9.9.9")


def test_it_lists_the_current_locks(client_for, clock, admin_user, xingning_user):
    lock_account_and_address()
    clock.shift(60)

    response = client_for(admin_user).get(reverse("accounts:login_locks"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "登录锁定" in page
    locks = {(lock.kind, lock.value): lock for lock in response.context["locks"]}
    assert set(locks) == {("username", "xingning"), ("ip_address", "10.9.9.9")}
    account = locks[("username", "xingning")]
    assert account.failures == 5
    assert account.since == START
    assert account.until == START + datetime.timedelta(minutes=15)
    assert "账号 <strong>xingning</strong>" in page
    assert "地址 <strong>10.9.9.9</strong>" in page
    assert "2026年11月22日 17:15" in page  # until, Beijing time


def test_it_shows_no_locks_once_they_ran_out(client_for, clock, admin_user, xingning_user):
    lock_account_and_address()
    clock.shift(datetime.timedelta(minutes=16))

    page = client_for(admin_user).get(reverse("accounts:login_locks")).content.decode()

    assert "当前没有被锁定的账号或地址。" in page


def test_it_lifts_an_account_lock_and_audits_it(client_for, clock, admin_user, xingning_user):
    lock_account_and_address()
    admin = client_for(admin_user)

    response = admin.post(
        reverse("accounts:login_lock_lift"), {"kind": "username", "value": "xingning"}
    )

    assert response.status_code == 302
    assert response.url == reverse("accounts:login_locks")
    assert "已解除账号“xingning”的登录锁定。" in admin.get(response.url).content.decode()
    assert login(Client(), "xingning", PASSWORD, ip="10.0.0.7").status_code == 302
    assert [(lock.kind, lock.value) for lock in login_locks_current()] == [
        ("ip_address", "10.9.9.9")
    ]
    entry = AuditEntry.objects.get(action="update", object_id=str(xingning_user.pk))
    assert entry.user == admin_user
    assert entry.changes == {"login_lock": "已解除", "locked": "账号 xingning", "records": 5}


def test_it_lifts_an_address_lock(client_for, clock, admin_user, xingning_user):
    lock_account_and_address()

    client_for(admin_user).post(
        reverse("accounts:login_lock_lift"), {"kind": "ip_address", "value": "10.9.9.9"}
    )

    assert not AccessAttempt.objects.filter(ip_address="10.9.9.9").exists()
    entry = AuditEntry.objects.get(object_repr="登录锁定：地址 10.9.9.9")
    assert entry.changes["locked"] == "地址 10.9.9.9"
    assert entry.object_type == "axes.accessattempt"
    assert login(Client(), "city", "x", ip="10.9.9.9").status_code == 200


def test_it_says_so_when_the_lock_is_already_gone(client_for, admin_user):
    admin = client_for(admin_user)
    response = admin.post(
        reverse("accounts:login_lock_lift"), {"kind": "username", "value": "nobody"}, follow=True
    )
    assert "已没有登录锁定" in response.content.decode()
    assert not AuditEntry.objects.filter(action="update").exists()


def test_it_refuses_a_lift_without_an_account_or_address(client_for, admin_user, xingning_user):
    lock_account_and_address()
    admin = client_for(admin_user)
    url = reverse("accounts:login_lock_lift")

    assert admin.post(url, {"kind": "username", "value": ""}).status_code == 404
    assert admin.post(url, {"kind": "everything", "value": "x"}).status_code == 404
    assert admin.get(url).status_code == 405
    assert AccessAttempt.objects.count() == 10


@pytest.mark.parametrize("outsider", ["xingning_user", "city_user", "leader_user"])
def test_it_refuses_everyone_but_the_admin_with_404(client_for, request, admin_user, outsider):
    lock_account_and_address()
    client = client_for(request.getfixturevalue(outsider))

    assert client.get(reverse("accounts:login_locks")).status_code == 404
    response = client.post(
        reverse("accounts:login_lock_lift"), {"kind": "username", "value": "xingning"}
    )
    assert response.status_code == 404
    assert AccessAttempt.objects.filter(username="xingning").exists()
    assert not AuditEntry.objects.filter(action="update").exists()


def test_the_user_list_links_to_the_locks(client_for, admin_user):
    page = client_for(admin_user).get(reverse("accounts:user_list")).content.decode()
    assert reverse("accounts:login_locks") in page


def test_until_is_when_enough_failures_aged_out(db, clock):
    now = timezone.now()
    for minutes_ago, failures in [(10, 3), (2, 2), (1, 1)]:
        attempt = AccessAttempt.objects.create(
            username="xingning",
            ip_address=f"10.0.0.{minutes_ago}",
            user_agent="",
            failures_since_start=failures,
            get_data="",
            post_data="",
            http_accept="",
            path_info="/login/",
        )
        # attempt_time is auto_now_add: set it afterwards.
        AccessAttempt.objects.filter(pk=attempt.pk).update(
            attempt_time=now - datetime.timedelta(minutes=minutes_ago)
        )

    (lock,) = login_locks_current()

    assert lock.failures == 6
    # Without the row from 10 minutes ago only 3 remain: the lock ends when it ages out.
    assert lock.until == now - datetime.timedelta(minutes=10) + datetime.timedelta(minutes=15)
