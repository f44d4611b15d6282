"""The Django admin cannot create accounts or set passwords past the services that
force the first-login change, keep the password history and write the audit entry."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(admin_user):
    admin_user.is_staff = True
    admin_user.is_superuser = True
    admin_user.save(update_fields=["is_staff", "is_superuser"])
    return admin_user


def test_it_offers_no_add_form(client, superuser):
    client.force_login(superuser)

    assert client.get(reverse("admin:accounts_user_add")).status_code == 403
    changelist = client.get(reverse("admin:accounts_user_changelist"))
    assert changelist.status_code == 200
    assert reverse("admin:accounts_user_add") not in changelist.content.decode()


def test_it_sends_a_password_change_to_the_reset_page(client, superuser, xingning_user):
    client.force_login(superuser)

    response = client.get(reverse("admin:auth_user_password_change", args=[xingning_user.pk]))
    posted = client.post(
        reverse("admin:auth_user_password_change", args=[xingning_user.pk]),
        {"password1": "Qx7#long-enough", "password2": "Qx7#long-enough"},
    )

    target = reverse("accounts:user_password", args=[xingning_user.pk])
    assert response.status_code == 302 and response["Location"] == target
    assert posted.status_code == 302 and posted["Location"] == target
    xingning_user.refresh_from_db()
    assert xingning_user.check_password("correct-horse-battery-staple")
