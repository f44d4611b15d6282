"""The password policy: length, character classes, user name, history — in Chinese."""

import json

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tongxin.accounts.models import PasswordHistory, User
from tongxin.accounts.password_validation import (
    CHINESE_PASSWORD_LIST_PATH,
    MIN_CORE_LENGTH,
    CharacterClassesValidator,
    CommonPasswordValidator,
    core_word,
)
from tongxin.accounts.services import user_change_own_password, user_create, user_set_password
from tongxin.audit.models import AuditEntry
from tongxin.conftest import PASSWORD

GOOD = "Lanterns-over-Yong-River-7"


def messages_for(password: str, user=None) -> list[str]:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        return error.messages
    return []


def change_own(client, old: str, new: str):
    return client.post(
        reverse("account:password_change"),
        {"old_password": old, "password1": new, "password2": new},
    )


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1!short", "密码太短，至少需要 10 个字符。"),
        ("onlylowercaseletters", "密码须包含大写字母、小写字母、数字、符号四类中的至少 3 类。"),
        ("lower-and-symbols", "密码须包含大写字母、小写字母、数字、符号四类中的至少 3 类。"),
        ("UPPER12345678", "密码须包含大写字母、小写字母、数字、符号四类中的至少 3 类。"),
        ("Password123", "这个密码太常见，容易被猜到，请换一个。"),
        ("My-wangfang-2026", "密码不能包含用户名。"),
        ("My-gnafgnaw-2026", "密码不能包含用户名。"),
    ],
)
def test_it_refuses_a_weak_password_with_a_chinese_message(db, password, message):
    user = User(username="wangfang")
    assert message in messages_for(password, user)


@pytest.mark.parametrize(
    "password", [GOOD, "lower-and-digits-42", "UPPER-AND-SYMBOLS-9", "Upper1lower2digits"]
)
def test_it_accepts_three_of_four_classes(db, password):
    assert messages_for(password, User(username="wangfang")) == []


def test_it_still_refuses_the_demo_password_in_production(db, settings):
    settings.DEBUG, settings.DEMO = False, False
    assert "不能使用公开的演示密码。" in messages_for(settings.DEMO_PASSWORD)


def test_it_lists_the_rules_as_help_text_in_chinese(client_for, admin_user):
    page = client_for(admin_user).get(reverse("accounts:user_create")).content.decode()
    assert "至少 10 个字符" in page
    assert "包含大写字母、小写字母、数字、符号中的至少 3 类" in page
    assert "不能与最近用过的 5 个密码相同" in page


@given(st.text(min_size=1, max_size=30))
def test_character_classes_counts_at_most_four(password):
    classes = CharacterClassesValidator.classes_of(password)
    assert classes <= {"大写字母", "小写字母", "数字", "符号"}
    assert ("数字" in classes) == any(c.isdigit() for c in password)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=30))
def test_character_classes_refuses_any_single_class(password):
    with pytest.raises(ValidationError):
        CharacterClassesValidator(min_classes=3).validate(password)


# --- password history -------------------------------------------------------


def test_every_password_setting_service_writes_the_history(admin_user, regions):
    user = user_create(
        actor=admin_user,
        data={"username": "wang", "role": User.Role.CITY, "regions": [regions["city"]]},
        password="First-password-1",
    )
    user_set_password(actor=admin_user, user=user, password="Second-password-2")
    user_change_own_password(user=user, password="Third-password-3")

    hashes = list(user.password_history.values_list("password", flat=True))
    assert len(hashes) == 3
    user.refresh_from_db()
    assert hashes[0] == user.password
    entries = json.dumps(
        list(AuditEntry.objects.filter(object_id=str(user.pk)).values_list("changes", flat=True)),
        ensure_ascii=False,
    )
    for secret in ["First-password-1", "Second-password-2", "Third-password-3", *hashes]:
        assert secret not in entries


def test_it_refuses_any_of_the_last_five_passwords(client_for, xingning_user):
    client = client_for(xingning_user)
    passwords = [f"Rotating-password-{i}" for i in range(1, 7)]
    current = PASSWORD
    for new in passwords:
        response = change_own(client, current, new)
        assert response.status_code == 302, response.content.decode()
        current = new

    # The last five (2-6) are refused, the sixth-last (1) is allowed again.
    for reused in passwords[1:]:
        response = change_own(client, current, reused)
        assert response.status_code == 200
        assert response.context["form"].errors["password1"] == ["不能使用最近用过的 5 个密码之一。"]
    assert PasswordHistory.objects.filter(user=xingning_user).count() == 5
    assert change_own(client, current, passwords[0]).status_code == 302


def test_it_refuses_the_current_password_of_an_account_without_history(
    client_for, admin_user, xingning_user
):
    # conftest's users are made with create_user: no history row yet.
    xingning_user.set_password(GOOD)
    xingning_user.save(update_fields=["password"])

    response = client_for(admin_user).post(
        reverse("accounts:user_password", args=[xingning_user.pk]),
        {"password1": GOOD, "password2": GOOD},
    )

    assert response.status_code == 200
    assert "不能使用最近用过的 5 个密码之一。" in response.context["form"].errors["password1"]


# --- common and predictable passwords (issue 16) ------------------------------

COMMON_WORD = "这个密码只是在常见的词前后加了数字或符号，容易被猜到，请换一个。"
TOO_COMMON = "这个密码太常见，容易被猜到，请换一个。"
PRODUCT_NAME = "密码不能包含系统名称（tongxin、同心）。"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password123!", TOO_COMMON),
        ("woaini1314", TOO_COMMON),
        ("5201314!!", TOO_COMMON),
        ("P@ssw0rd", TOO_COMMON),
        ("Zhang123456", TOO_COMMON),
        ("Password2026!", COMMON_WORD),
        ("!!Woaini-8888", COMMON_WORD),
        ("Zhongguo#2026", COMMON_WORD),
        ("P@ssw0rd-2026", COMMON_WORD),
        ("Pa$$word-2026", COMMON_WORD),
        ("Nanning_1949", COMMON_WORD),
        ("Tongxin-demo1", PRODUCT_NAME),
        ("My-TONGXIN-2026", PRODUCT_NAME),
        ("T0ngx1n-Office-9", PRODUCT_NAME),
        ("同心同德Aa-2026", PRODUCT_NAME),
    ],
)
def test_it_refuses_common_and_predictable_passwords(db, password, message):
    assert message in messages_for(password, User(username="wangfang"))


@pytest.mark.parametrize(
    "password",
    [
        GOOD,
        "Q7%48201938!x",
        "Liu-Jiang-bridge-at-dawn-3",  # common words inside a longer phrase are fine
        "Summer-in-Nanning-is-long-8",
    ],
)
def test_it_accepts_a_strong_password(db, password):
    assert messages_for(password, User(username="wangfang")) == []


def test_the_form_names_the_problem_in_chinese(client_for, xingning_user):
    response = change_own(client_for(xingning_user), PASSWORD, "Tongxin-demo1")

    assert response.status_code == 200
    assert PRODUCT_NAME in response.context["form"].errors["password1"]
    xingning_user.refresh_from_db()
    assert xingning_user.check_password(PASSWORD)


def _chinese_list_words() -> list[str]:
    """The listed entries with a word of at least MIN_CORE_LENGTH inside."""
    lines = CHINESE_PASSWORD_LIST_PATH.read_text(encoding="utf-8").splitlines()
    entries = [line for line in lines if line and not line.startswith("#")]
    return [entry for entry in entries if len(core_word(entry)) >= MIN_CORE_LENGTH]


COMMON = CommonPasswordValidator()


@given(
    word=st.sampled_from(_chinese_list_words()),
    capitalise=st.booleans(),
    before=st.text(alphabet="0123456789!@#$%^&*-_.", max_size=4),
    after=st.text(alphabet="0123456789!@#$%^&*-_.", max_size=6),
)
def test_a_listed_password_with_digits_and_symbols_around_it_is_refused(
    word, capitalise, before, after
):
    password = before + (word.capitalize() if capitalise else word) + after
    with pytest.raises(ValidationError):
        COMMON.validate(password)
