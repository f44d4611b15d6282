"""Behind a reverse proxy the audit log and the login lockout count the client's
address, not the proxy's; a client cannot choose the address it is counted under."""

import datetime

import pytest
import time_machine
from django.test import Client, RequestFactory
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import client_ip
from tongxin.conftest import PASSWORD

LOCKED = "登录失败次数过多"


def request_from(remote: str, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_without_a_proxy_it_ignores_x_forwarded_for(settings):
    settings.BEHIND_PROXY = False
    assert client_ip(request_from("10.1.1.1", "203.0.113.9")) == "10.1.1.1"


def test_behind_a_proxy_it_takes_the_entry_the_proxy_wrote(settings):
    settings.BEHIND_PROXY = True
    # The client sent its own X-Forwarded-For; the proxy appended the real address.
    assert client_ip(request_from("127.0.0.1", "198.51.100.7, 10.8.0.23")) == "10.8.0.23"
    assert client_ip(request_from("::1", "2001:db8::5")) == "2001:db8::5"


def test_it_believes_only_a_trusted_proxy(settings):
    settings.BEHIND_PROXY = True
    settings.TRUSTED_PROXIES = frozenset({"10.0.0.2"})
    assert client_ip(request_from("10.9.9.9", "10.8.0.23")) == "10.9.9.9"
    assert client_ip(request_from("10.0.0.2", "10.8.0.23")) == "10.8.0.23"


@pytest.mark.parametrize("forwarded", ["", "not-an-address", "10.8.0.23; drop table"])
def test_a_missing_or_bad_header_falls_back_to_the_proxy(settings, forwarded):
    settings.BEHIND_PROXY = True
    assert client_ip(request_from("127.0.0.1", forwarded)) == "127.0.0.1"


def _login(client, username, password, address):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=address,
    )


def test_behind_a_proxy_one_clients_failures_do_not_lock_the_others(
    settings, xingning_user, city_user
):
    settings.BEHIND_PROXY = True
    with time_machine.travel(datetime.datetime(2026, 11, 22, 9, tzinfo=datetime.UTC), tick=False):
        # Five failures for five different accounts from one client machine.
        for name in ["a1", "a2", "a3", "a4", "a5"]:
            _login(Client(), name, "wrong-password", "10.8.0.23")

        locked = _login(Client(), "city", PASSWORD, "10.8.0.23")
        other = _login(Client(), "xingning", PASSWORD, "10.8.0.24")

    assert locked.status_code == 429 and LOCKED in locked.content.decode()
    assert other.status_code == 302
    failures = AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_FAILED)
    assert set(failures.values_list("ip_address", flat=True)) == {"10.8.0.23"}
    login = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN, username="xingning")
    assert login.ip_address == "10.8.0.24"
