"""The login page: Chinese messages, inactive accounts, lockout after repeated failures."""

from django.test import Client
from django.urls import reverse

from tongxin.conftest import PASSWORD


def login(client, username: str, password: str, **extra):
    return client.post(
        reverse("login"),
        {"username": username, "password": password, **extra},
        REMOTE_ADDR="10.1.2.3",
    )


def test_it_shows_the_login_page(client, db):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "新的社会阶层代表人士数据库" in page
    assert "用户名" in page
    assert "密码" in page


def test_it_sends_anonymous_visitors_to_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_signs_in_and_goes_home(client, xingning_user):
    response = login(client, "xingning", PASSWORD)

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.session["_auth_user_id"] == str(xingning_user.pk)
    xingning_user.refresh_from_db()
    assert xingning_user.last_login is not None


def test_it_follows_a_safe_next_only(client, admin_user):
    response = login(client, "admin", PASSWORD, next=reverse("regions:list"))
    assert response.url == reverse("regions:list")

    client.logout()
    response = login(client, "admin", PASSWORD, next="https://example.com/")
    assert response.url == reverse("home")


def test_it_refuses_a_wrong_password_in_chinese(client, xingning_user):
    response = login(client, "xingning", "not-the-password")

    assert response.status_code == 200
    assert "用户名或密码不正确。" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_refuses_a_deactivated_account(client, xingning_user):
    xingning_user.is_active = False
    xingning_user.save(update_fields=["is_active"])

    response = login(client, "xingning", PASSWORD)

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_it_locks_an_account_after_repeated_failures(client, settings, xingning_user):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        login(client, "xingning", "not-the-password")

    response = login(client, "xingning", PASSWORD)

    assert response.status_code in {403, 429}
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_lifts_the_lockout_when_an_admin_resets_the_password(
    client, settings, admin_user, xingning_user
):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        login(client, "xingning", "not-the-password")
    assert "登录失败次数过多" in login(client, "xingning", PASSWORD).content.decode()
    new_password = "Lanterns-over-Yong-River-7"
    admin_client = Client()
    admin_client.force_login(admin_user, backend="tongxin.accounts.backends.TongxinBackend")
    admin_client.post(
        reverse("accounts:user_password", args=[xingning_user.pk]),
        {"password1": new_password, "password2": new_password},
    )

    response = login(client, "xingning", new_password)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(xingning_user.pk)
