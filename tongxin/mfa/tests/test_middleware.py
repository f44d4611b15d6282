"""Who is held back until they enrol or verify, and from which pages."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tongxin.conftest import PASSWORD

from .conftest import code_for

EVERY_KIND_OF_PAGE = [
    "home",
    "people:list",
    "accounts:user_list",
    "audit:list",
    "regions:list",
    "mfa:overview",
    "admin:index",
]


def login(client, username: str):
    return client.post(
        reverse("login"), {"username": username, "password": PASSWORD}, REMOTE_ADDR="10.1.2.3"
    )


@pytest.mark.parametrize("name", EVERY_KIND_OF_PAGE)
def test_it_sends_an_admin_without_authenticator_to_enrolment(
    client_for, admin_user, settings, name
):
    settings.MFA_REQUIRED = "admin"
    url = reverse(name)

    response = client_for(admin_user).get(url)

    assert response.status_code == 302
    assert response.url == reverse("mfa:setup") + "?next=" + url.replace("/", "%2F")


def test_it_lets_the_admin_in_once_enrolled_and_asks_again_at_the_next_login(
    client, admin_user, settings, clock
):
    """2FA required for admins: the issue's proof, end to end through the pages."""
    settings.MFA_REQUIRED = "admin"
    assert login(client, "admin").status_code == 302
    assert client.get(reverse("people:list")).url.startswith(reverse("mfa:setup"))

    page = client.get(reverse("mfa:setup"), {"next": reverse("accounts:user_list")})
    assert page.status_code == 200
    key = client.session["mfa_pending_key"]
    enrolled = client.post(
        reverse("mfa:setup"), {"code": code_for(key), "next": reverse("accounts:user_list")}
    )
    assert enrolled.status_code == 200
    assert "两步验证已启用" in enrolled.content.decode()
    assert client.get(reverse("people:list")).status_code == 200
    assert client.get(reverse("accounts:user_list")).status_code == 200

    client.post(reverse("logout"))
    clock.shift(30)
    login(client, "admin")
    held = client.get(reverse("accounts:user_list"))
    assert held.status_code == 302
    assert held.url == reverse("mfa:verify") + "?next=%2Fusers%2F"
    assert client.get(reverse("people:list")).url.startswith(reverse("mfa:verify"))

    verified = client.post(reverse("mfa:verify"), {"code": code_for(key), "next": "/users/"})
    assert verified.status_code == 302
    assert verified.url == "/users/"
    assert client.get(reverse("accounts:user_list")).status_code == 200


def test_it_does_not_force_a_county_user_when_only_admins_must(client_for, xingning_user, settings):
    settings.MFA_REQUIRED = "admin"
    assert client_for(xingning_user).get(reverse("people:list")).status_code == 200


def test_it_forces_a_county_user_when_all_must(client_for, xingning_user, settings):
    settings.MFA_REQUIRED = "all"
    response = client_for(xingning_user).get(reverse("people:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("mfa:setup"))


def test_it_forces_nobody_when_the_setting_is_none(client_for, admin_user, settings):
    settings.MFA_REQUIRED = "none"
    assert client_for(admin_user).get(reverse("accounts:user_list")).status_code == 200


def test_it_asks_a_user_who_opted_in_to_verify_at_login(client, xingning_user, settings, enrol):
    settings.MFA_REQUIRED = "admin"
    enrol(xingning_user)
    login(client, "xingning")

    response = client.get(reverse("people:list"))

    assert response.status_code == 302
    assert response.url == reverse("mfa:verify") + "?next=%2Fpersons%2F"


def test_it_tells_htmx_where_to_go(client_for, admin_user, settings):
    settings.MFA_REQUIRED = "admin"
    response = client_for(admin_user).get(
        reverse("people:list") + "?q=a",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/persons/?page=2"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("mfa:setup") + "?next=%2Fpersons%2F%3Fpage%3D2"


def test_it_does_not_offer_to_come_back_to_a_post(client_for, admin_user, settings):
    settings.MFA_REQUIRED = "admin"
    response = client_for(admin_user).post(reverse("accounts:user_create"), {})
    assert response.status_code == 302
    assert response.url == reverse("mfa:setup")


def test_it_lets_an_unverified_admin_log_out(client_for, admin_user, settings):
    settings.MFA_REQUIRED = "admin"
    client = client_for(admin_user)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response.url == reverse("login")
    assert "_auth_user_id" not in client.session


def test_it_stops_asking_once_an_admin_removed_the_authenticator(
    client, xingning_user, settings, enrol
):
    settings.MFA_REQUIRED = "admin"
    enrol(xingning_user)
    login(client, "xingning")
    TOTPDevice.objects.filter(user=xingning_user).delete()

    assert client.get(reverse("people:list")).status_code == 200
    assert client.session["mfa_enrolled"] is False
