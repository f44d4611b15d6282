"""The activity workflow in a real browser (Playwright + Debian's Chromium), as issue 5 asks:
staff create an activity, add participants from a filtered person list, mark
attendance inline (htmx), withdraw one added by mistake, and the activity shows on
a participant's timeline.

Run with `pytest -m browser tongxin/engagement -p no:xdist`. ORM calls stay
outside the browser block (see tongxin/core/tests/browser.py).
"""

import re

import pytest

from tongxin.core.tests.browser import chromium_page, expect, log_in, settle
from tongxin.engagement.models import Activity, ActivityParticipant
from tongxin.people.models import Person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_staff_run_an_activity_and_it_reaches_the_timeline(
    live_server, xingning_user, make_person, regions
):
    xingning = regions["xingning"]
    chen = make_person("陈晓梅", region=xingning, level=Person.Level.CITY)
    make_person("黄志强", region=xingning, level=Person.Level.CITY)
    make_person("韦秀兰", region=xingning, level=Person.Level.RESERVE)
    make_person("王五", region=regions["qingxiu"], level=Person.Level.CITY)
    with chromium_page(live_server) as (page, problems):
        log_in(page, "xingning", "/engagement/activities/")

        # create the activity
        page.get_by_role("link", name="新增活动").click()
        page.select_option("#id_type", label="考察调研")
        page.fill("#id_title", "赴园区考察调研")
        page.fill("#id_start_date", "2026-09-10")
        page.fill("#id_place", "南宁·中关村创新示范基地")
        page.select_option("#id_region", label="兴宁区")
        page.get_by_role("button", name="保存").click()
        expect(page.get_by_role("alert").filter(has_text="已新增活动")).to_be_visible()

        # add everyone of 市级重点联系 in one action
        page.get_by_role("link", name="从人员列表批量添加").click()
        page.select_option("#f-level", label="市级重点联系")
        page.get_by_role("button", name="筛选").click()
        expect(page.get_by_test_id("match-count")).to_have_text("2")
        page.get_by_role("button", name="全部添加（2 人）").click()
        expect(page.get_by_role("alert").filter(has_text="已添加 2 人")).to_be_visible()
        participants = page.get_by_test_id("participants")
        expect(participants).to_contain_text("陈晓梅")
        expect(participants).to_contain_text("黄志强")
        expect(participants).not_to_contain_text("韦秀兰")

        # mark attendance inline: htmx swaps the row, no reload
        settle(page)
        page.evaluate("window.notReloaded = true")
        page.get_by_label("陈晓梅的出勤").select_option(label="出席")
        row = participants.locator("tr", has_text="陈晓梅")
        expect(row).to_contain_text("已保存")
        assert page.evaluate("window.notReloaded") is True

        # 黄志强 was added by mistake: withdraw him, after a confirmation page
        participants.get_by_role("link", name="撤回黄志强").click()
        expect(page.get_by_role("heading", name="撤回参加人员")).to_be_visible()
        page.fill("#id_reason", "误加入")
        page.get_by_role("button", name="确认撤回").click()
        done = page.get_by_role("alert").filter(has_text="已将黄志强从赴园区考察调研的名单中撤回")
        expect(done).to_be_visible()
        expect(participants).not_to_contain_text("黄志强")
        expect(page.get_by_test_id("history")).to_contain_text("参加人员：黄志强 → 已撤回")

        # the participant's page shows the activity on the timeline
        row.get_by_role("link", name="陈晓梅", exact=True).click()
        expect(page).to_have_url(re.compile(rf"/persons/{chen.pk}/$"))
        timeline = page.get_by_test_id("timeline")
        expect(timeline).to_contain_text("赴园区考察调研")
        expect(timeline).to_contain_text("出席")
        # filter the timeline to activities only (htmx)
        settle(page)
        page.locator("#timeline-body").get_by_role("link", name="活动", exact=True).click()
        expect(page.get_by_test_id("timeline").locator("tr")).to_have_count(1)

        # the activity list filters by type in place (htmx)
        page.goto("/engagement/activities/")
        page.select_option("#f-type", label="主题教育")
        expect(page.get_by_test_id("total")).to_have_text("0")
        page.select_option("#f-type", label="考察调研")
        expect(page.get_by_test_id("total")).to_have_text("1")
        expect(page.get_by_test_id("record-table")).to_contain_text("赴园区考察调研")
        assert problems == []

    activity = Activity.objects.get()
    assert activity.title == "赴园区考察调研"
    assert ActivityParticipant.objects.filter(activity=activity).count() == 1
    assert ActivityParticipant.history.filter(history_type="-").get().person.name == "黄志强"
    assert ActivityParticipant.objects.get(person=chen).attendance == "attended"
