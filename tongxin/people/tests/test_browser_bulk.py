"""Bulk work from the person list in a real browser (Playwright + Debian's
Chromium, 1366×768), as issue 18 asks: tick rows and change their tier; choose
"all matching", add them to an activity after the >50 confirmation, then undo
that addition in one step; 全部出席 and 撤回所选 on the activity.

Run with `pytest -m browser tongxin/people -p no:xdist`. ORM calls stay
outside the browser block (see tongxin/core/tests/browser.py).
"""

import os

import pytest

from tongxin.core.tests.browser import chromium_page, expect, log_in, settle
from tongxin.engagement.models import ActivityParticipant, ParticipantBatch
from tongxin.engagement.tests.factories import make_record
from tongxin.levels.models import LevelChange
from tongxin.people.models import Person
from tongxin.people.tests.test_bulk_actions import many_persons

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = os.environ.get("TONGXIN_SHOTS", "/tmp/shots-bulk")


def shot(page, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_staff_change_tiers_add_to_an_activity_and_undo_in_bulk(
    live_server, xingning_user, make_person, regions
):
    xingning = regions["xingning"]
    template = make_person("韦秀兰", region=xingning)
    many_persons(template, 52, region=xingning)
    make_person("陈晓梅", region=xingning)
    make_person("黄志强", region=xingning)  # 55 persons in 兴宁区, these two on the first page
    make_person("王五", region=regions["qingxiu"])
    activity = make_record("activities", actor=xingning_user, region=xingning)
    with chromium_page(live_server) as (page, problems):
        page.on("dialog", lambda dialog: dialog.accept())
        log_in(page, "xingning", "/persons/")

        # tick two rows: the bar counts them, 调整分级 shows them and asks for the tier
        bar = page.get_by_test_id("bulk-bar")
        expect(bar.get_by_role("button", name="调整分级")).to_be_disabled()
        page.get_by_label("选择陈晓梅").check()
        page.get_by_label("选择黄志强").check()
        expect(bar).to_contain_text("已选择 2 人")
        shot(page, "bulk-list")
        bar.get_by_role("button", name="调整分级").click()
        expect(page.get_by_role("heading", name="批量调整分级")).to_be_visible()
        expect(page.get_by_test_id("bulk-count")).to_have_text("2")
        page.get_by_label("调整为").select_option(label="储备")
        page.get_by_label("调整原因").fill("年度调整")
        page.get_by_role("button", name="调整分级（2 人）").click()
        expect(page.get_by_role("alert").filter(has_text="已将 2 人调整为“储备”")).to_be_visible()
        settle(page)

        # everyone matching: 55 persons → the action page asks for confirmation
        bar = page.get_by_test_id("bulk-bar")
        bar.get_by_label("全部符合条件的 55 人").check()
        expect(bar).to_contain_text("已选择全部符合条件的 55 人")
        bar.get_by_role("button", name="加入活动").click()
        expect(page.get_by_test_id("bulk-count")).to_have_text("55")
        expect(page.get_by_test_id("bulk-confirm")).to_contain_text("本次将对 55 人执行“加入活动”")
        page.get_by_label("活动", exact=True).select_option(str(activity.pk))
        page.get_by_role("button", name="加入活动（55 人）").click()
        expect(page.get_by_test_id("bulk-error")).to_have_text(
            "本次将处理 55 人，请勾选确认后再提交"
        )
        shot(page, "bulk-confirm")
        page.get_by_label("活动", exact=True).select_option(str(activity.pk))
        page.get_by_test_id("bulk-confirm").get_by_role("checkbox").check()
        page.get_by_role("button", name="加入活动（55 人）").click()
        expect(page.get_by_role("alert").filter(has_text="已将 55 人加入活动")).to_be_visible()
        expect(page.get_by_test_id("participant-total")).to_have_text("55")
        expect(page.get_by_test_id("participants").locator("tbody tr")).to_have_count(55)
        shot(page, "bulk-activity")

        # 全部出席, then withdraw two ticked rows
        page.get_by_role("button", name="全部出席（55 人）").click()
        expect(page.get_by_role("alert").filter(has_text="已登记 55 人出席")).to_be_visible()
        page.get_by_label("选择陈晓梅").check()
        page.get_by_label("选择黄志强").check()
        tools = page.get_by_test_id("participant-tools")
        expect(tools).to_contain_text("已选择 2 人")
        tools.get_by_role("button", name="撤回所选").click()
        expect(page.get_by_test_id("withdraw-count")).to_have_text("2")
        page.get_by_label("撤回原因").fill("误加入")
        page.get_by_role("button", name="确认撤回（2 人）").click()
        expect(page.get_by_role("alert").filter(has_text="撤回 2 人")).to_be_visible()
        expect(page.get_by_test_id("participant-total")).to_have_text("53")

        # the whole addition is undone in one step (after the browser's confirm)
        page.get_by_test_id("batches").get_by_role("button", name="撤销本次添加").click()
        expect(
            page.get_by_role("alert").filter(has_text="已撤销这次批量添加，撤回 53 人")
        ).to_be_visible()
        expect(page.get_by_test_id("participant-total")).to_have_text("0")
        shot(page, "bulk-undone")
        assert problems == []

    assert LevelChange.objects.filter(reason="年度调整", to_level="reserve").count() == 2
    assert not ActivityParticipant.objects.exists()
    assert ParticipantBatch.objects.get().undone == 53
    assert ActivityParticipant.history.filter(history_change_reason="全部出席").count() == 55
    assert Person.objects.get(name="王五").level == "county"
