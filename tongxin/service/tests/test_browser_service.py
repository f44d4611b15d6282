"""Service forms in a real browser (Playwright + Debian's Chromium): the 回访
satisfaction radios and the 建言人 picker inside the suggestion form.

Run with `pytest -m browser tongxin/service -p no:xdist`. ORM calls stay
outside the browser block (see tongxin/core/tests/browser.py).
"""

import pytest

from tongxin.core.tests.browser import chromium_page, expect, log_in, settle
from tongxin.service.models import ServiceRequest, Suggestion

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_satisfaction_radios_are_clickable_options(
    live_server, xingning_user, make_person, make_request
):
    closed = make_request(make_person("陈晓梅"), status=ServiceRequest.Status.CLOSED)
    with chromium_page(live_server) as (page, problems):
        log_in(page, "xingning", f"/service/requests/{closed.pk}/")

        form = page.locator("#follow-up")
        group = form.locator("#field-satisfaction")
        expect(group.locator(".form-check-input:not(input)")).to_have_count(0)
        options = group.locator(".form-check")
        expect(options).to_have_count(3)
        for option in options.all():  # each option on one line, not one character per line
            assert option.bounding_box()["height"] < 40
        form.get_by_text("不满意", exact=True).click()
        expect(form.get_by_label("不满意", exact=True)).to_be_checked()
        expect(form.get_by_label("不满意", exact=True)).to_be_focused()
        assert problems == []


def test_enter_in_the_submitter_search_searches_and_does_not_save(
    live_server, xingning_user, make_person
):
    make_person("陈晓梅")
    make_person("黄志强")
    with chromium_page(live_server) as (page, problems):
        log_in(page, "xingning", "/service/suggestions/new/")
        page.fill("#id_title", "关于优化营商环境的建议")
        page.fill("#id_content", "建议简化审批流程。")
        search = page.locator("#pick-q-submitters")

        search.fill("陈晓梅")
        search.press("Enter")
        page.get_by_label("陈晓梅").check()
        search.fill("黄志强")
        search.press("Enter")
        settle(page)
        expect(page).to_have_url(f"{live_server.url}/service/suggestions/new/")
        page.get_by_label("黄志强").check()
        page.get_by_role("button", name="保存").click()
        expect(page.get_by_role("heading", name="关于优化营商环境的建议")).to_be_visible()
    suggestion = Suggestion.objects.get()
    assert sorted(p.name for p in suggestion.submitters.all()) == ["陈晓梅", "黄志强"]
