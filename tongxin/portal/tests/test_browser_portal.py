"""The person's pages on a phone (390 px) and the staff decision, in Debian's
Chromium: open the link, confirm, change the work unit and the photo; staff
approve one field and reject the other; the person sees both outcomes; the
record's history names who approved.

Run with `pytest -m browser tongxin/portal -p no:xdist`. Screenshots go to
/tmp/shots-portal. ORM calls stay outside the browser blocks.
"""

import io
from pathlib import Path

import pytest
from PIL import Image

from tongxin.core.tests.browser import chromium_page, expect, log_in, settle
from tongxin.people.models import Person
from tongxin.portal import services
from tongxin.portal.models import ChangeItem
from tongxin.portal.tests.browser_steps import PHONE, no_sideways_scroll

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path("/tmp/shots-portal")


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_person_updates_on_a_phone_and_staff_decide_field_by_field(
    live_server, xingning_user, make_person, tmp_path
):
    person = make_person("陈晓梅", employer="南宁晓梅文化传媒有限公司", job_title="总经理")
    (issued,) = services.links_issue(actor=xingning_user, persons=[person], valid_days=30)
    photo = tmp_path / "photo.png"
    buffer = io.BytesIO()
    Image.new("RGB", (295, 413), (180, 40, 40)).save(buffer, format="PNG")
    photo.write_bytes(buffer.getvalue())
    suffix, born = person.id_number[-6:], person.birth_date.isoformat()

    with chromium_page(live_server) as (page, problems):
        page.set_viewport_size(PHONE)
        page.goto(f"/p/l/{issued.token}/")
        settle(page)
        _shot(page, "1-confirm")
        page.get_by_label("公民身份号码后6位").fill(suffix)
        page.get_by_label("出生日期").fill(born)
        page.get_by_role("button", name="确认").click()
        expect(page.get_by_role("heading", name="陈晓梅")).to_be_visible()
        expect(page.get_by_test_id("registration")).to_contain_text("南宁晓梅文化传媒有限公司")
        no_sideways_scroll(page)
        _shot(page, "2-home")

        page.get_by_role("link", name="修改信息或上传照片").click()
        page.get_by_label("工作单位").fill("南宁同心数字科技有限公司")
        page.get_by_label("上传新的一寸照片").set_input_files(str(photo))
        no_sideways_scroll(page)
        _shot(page, "3-update-form")
        page.get_by_role("button", name="提交审核").click()
        expect(page.get_by_test_id("sent")).to_contain_text("工作人员审核后记入")
        expect(page.get_by_test_id("changes")).to_contain_text("南宁同心数字科技有限公司")
        expect(page.get_by_test_id("changes")).to_contain_text("待审核")
        _shot(page, "4-submitted")
        assert problems == []

    assert Person.objects.get(pk=person.pk).employer == "南宁晓梅文化传媒有限公司"
    assert ChangeItem.objects.count() == 2

    with chromium_page(live_server) as (page, problems):
        log_in(page, "xingning", "/portal/changes/")
        page.get_by_test_id("pending").get_by_role("link", name="审核", exact=True).click()
        employer = page.get_by_test_id("item-employer")
        employer.get_by_label("采纳", exact=True).check()
        row = page.get_by_test_id("item-photo")
        row.get_by_label("不采纳", exact=True).check()
        row.get_by_label("一寸照片的审核意见").fill("照片须为白底证件照")
        _shot(page, "5-staff-decide")
        page.get_by_role("button", name="保存审核结果").click()
        expect(page.get_by_role("alert").filter(has_text="已保存审核结果")).to_be_visible()
        expect(employer).to_contain_text("已采纳")
        expect(row).to_contain_text("照片须为白底证件照")
        expect(row).to_contain_text("新照片（未采纳，已删除）")
        page.get_by_role("link", name="陈晓梅").first.click()
        history = page.get_by_test_id("history")
        expect(history).to_contain_text("本人申请更新")
        expect(history).to_contain_text("xingning")
        _shot(page, "6-person-history")
        assert problems == []

    assert Person.objects.get(pk=person.pk).employer == "南宁同心数字科技有限公司"
    assert not Person.objects.get(pk=person.pk).photo

    with chromium_page(live_server) as (page, problems):
        page.set_viewport_size(PHONE)
        page.goto(f"/p/l/{issued.token}/")
        page.get_by_label("公民身份号码后6位").fill(suffix)
        page.get_by_label("出生日期").fill(born)
        page.get_by_role("button", name="确认").click()
        changes = page.get_by_test_id("changes")
        expect(changes).to_contain_text("已采纳")
        expect(changes).to_contain_text("未采纳")
        expect(changes).to_contain_text("照片须为白底证件照")
        expect(page.get_by_test_id("registration")).to_contain_text("南宁同心数字科技有限公司")
        no_sideways_scroll(page)
        _shot(page, "7-outcomes")
        assert problems == []
