"""The API's pages in a real browser: an administrator creates a client and
copies its token; the documentation page renders from the product's own
files under the CSP, and the token works against the API.

Run with `.venv/bin/pytest -q -n 0 -m browser tongxin/api/tests/test_browser_api.py`.
"""

import os
import re

import pytest

from tongxin.core.tests.browser import log_in
from tongxin.core.tests.test_csp_browser import assert_clean, chromium_page, expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = os.environ.get("TONGXIN_SHOTS")  # a directory: save screenshots there to look at


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_an_administrator_creates_a_client_and_reads_the_docs(live_server, settings, admin_user):
    settings.MFA_REQUIRED = "none"
    with chromium_page(live_server) as (page, problems):
        hosts = set()
        page.on(
            "request", lambda request: hosts.add(re.sub(r"^\w+://([^/]+).*$", r"\1", request.url))
        )
        log_in(page, "admin", landing="/api/clients/")
        page.get_by_role("link", name="新增客户端").click()
        page.fill("#id_name", "市委组织部干部信息系统")
        page.select_option("#id_region", label="　兴宁区")
        page.select_option("#id_access", "read")
        _shot(page, "api-client-form")
        page.get_by_role("button", name="创建并生成令牌").click()

        token = page.locator("#token-value").input_value()
        assert token.startswith("txapi_")
        expect(page.locator("#new-token")).to_contain_text("令牌只显示这一次")
        assert_clean(page, problems)
        _shot(page, "api-client-token")
        page.reload()
        expect(page.locator("#new-token")).to_have_count(0)

        answer = page.request.get("/api/v1/regions", headers={"Authorization": f"Bearer {token}"})
        assert answer.status == 200 and answer.json()[0]["name"] == "兴宁区"

        page.goto("/api/v1/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("同心 数据接口")
        expect(page.locator(".opblock-summary-path").first).to_be_visible()
        page.locator(".opblock-summary-path", has_text="/api/v1/persons/batch").first.click()
        expect(page.get_by_text("按公民身份号码批量新增或更新").first).to_be_visible()
        assert_clean(page, problems)
        _shot(page, "api-docs")
        assert hosts == {re.sub(r"^\w+://", "", live_server.url)}, hosts
