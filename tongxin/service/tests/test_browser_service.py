"""Service forms in a real browser (Playwright + Debian's Chromium): the 回访
satisfaction radios and the 建言人 picker inside the suggestion form.

Run with `pytest -m browser tongxin/service -p no:xdist`. ORM calls stay
outside the browser block (see tongxin/core/tests/browser.py).
"""

import pytest

from tongxin.core.tests.browser import chromium_page, expect, log_in
from tongxin.service.models import ServiceRequest

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
