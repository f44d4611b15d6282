"""The person page on paper: the record, without the controls around it.

Run with `pytest -m browser tongxin/people/tests/test_browser_print.py -p no:xdist`.
"""

import pytest

from tongxin.core.tests.browser import chromium_page, expect, log_in, print_to_pdf

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_person_page_prints_the_record_without_form_controls(
    live_server, xingning_user, make_person
):
    person = make_person("蒙海燕", employer="南宁海燕科技有限公司", resume="2010年起从事软件开发")
    url = f"/persons/{person.pk}/"
    with chromium_page(live_server) as (page, problems):
        log_in(page, "xingning", url)
        # On screen the editor sees the 出库 form and the buttons.
        expect(page.get_by_role("button", name="确认出库")).to_be_visible()
        expect(page.get_by_role("link", name="编辑")).to_be_visible()
        page.emulate_media(media="print")
        visible_controls = page.locator(
            "input:visible, select:visible, textarea:visible, button:visible, .btn:visible"
        )
        expect(visible_controls).to_have_count(0)
        expect(page.locator(".tx-sidebar")).to_be_hidden()
        sheets = print_to_pdf(page)
        assert problems == []
    text = "".join("".join(s["text"].split()) for s in sheets)  # without the spacing
    for shown in ["蒙海燕", "基本信息", "南宁海燕科技有限公司", "2010年起从事软件开发", "变更历史"]:
        assert shown in text
    for control in [
        "确认出库",
        "登记表(Word)",
        "个人信息权利",
        "退出",
        "账号安全",
        "出库原因",
        "新增职务",
    ]:
        assert control not in text, control
    assert len(sheets) <= 2
