"""Two-factor login in a real browser under the Content-Security-Policy (issue 7):
an admin is sent to enrolment, scans (here: reads) the secret, confirms a code,
gets the recovery codes, and at the next login signs in with a recovery code.

Run with `.venv/bin/pytest -q -n 0 -m browser tongxin/mfa/tests/test_browser_two_factor.py`.
"""

import re
import time
from base64 import b32decode

import pytest

from tongxin.core.tests.browser import submit_login
from tongxin.core.tests.test_csp_browser import assert_clean, chromium_page, expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def totp_now(secret_text: str) -> str:
    from django_otp.oath import totp

    key = b32decode(re.sub(r"\s", "", secret_text).upper())
    return f"{totp(key, t0=0, step=30, digits=6, drift=0):06d}"


def password_login(page, username: str) -> None:
    page.goto("/persons/")
    submit_login(page, username)


def test_an_admin_enrols_and_later_signs_in_with_a_recovery_code(live_server, settings, admin_user):
    settings.MFA_REQUIRED = "admin"
    with chromium_page(live_server) as (page, problems):
        password_login(page, "admin")

        expect(page).to_have_url(re.compile(r"/mfa/setup/"))
        expect(page.locator("[data-qr] svg")).to_have_count(1)
        secret = page.locator("[data-secret]").inner_text()
        assert_clean(page, problems)
        page.fill("#id_code", totp_now(secret))
        page.get_by_role("button", name="确认绑定").click()

        expect(page.locator("[data-recovery-codes] code")).to_have_count(10)
        codes = page.locator("[data-recovery-codes] code").all_inner_texts()
        assert_clean(page, problems)
        page.get_by_role("link", name="我已保存好恢复码，继续").click()
        expect(page).to_have_url(re.compile(r"/persons/$"))
        expect(page.locator(".tx-user")).to_contain_text("admin")
        assert_clean(page, problems)

    with chromium_page(live_server) as (page, problems):
        password_login(page, "admin")
        expect(page).to_have_url(re.compile(r"/mfa/verify/"))
        page.fill("#id_code", "000000" if totp_now(secret) != "000000" else "111111")
        page.get_by_role("button", name="验证").click()
        expect(page.get_by_text("验证码不正确或已过期")).to_be_visible()
        time.sleep(1.1)  # django-otp's throttle: one second after the first failure
        page.fill("#id_code", codes[0])
        page.get_by_role("button", name="验证").click()
        expect(page).to_have_url(re.compile(r"/persons/$"))
        expect(page.locator(".tx-user")).to_contain_text("admin")
        assert_clean(page, problems)
