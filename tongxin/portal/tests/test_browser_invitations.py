"""Invitations in Debian's Chromium: xingning staff invite two persons to an
activity (1366 px); one accepts on a phone (390 px), the other declines,
first without a reason (refused, naming it), then with one; staff see both
answers, the reason and the accepted person in the list as 报名.

Run with `pytest -m browser tongxin/portal -p no:xdist`. Screenshots go to
/tmp/shots-portal2. ORM calls stay outside the browser blocks.
"""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from tongxin.core.tests.browser import chromium_page, expect, log_in, settle
from tongxin.engagement import services as engagement
from tongxin.engagement.models import Activity, ActivityType, Invitation
from tongxin.portal import services
from tongxin.portal.tests.browser_steps import PHONE, no_sideways_scroll

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path("/tmp/shots-portal2")


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _open(page, token: str, person) -> None:
    page.set_viewport_size(PHONE)
    page.goto(f"/p/l/{token}/")
    settle(page)
    page.get_by_label("公民身份号码后6位").fill(person.id_number[-6:])
    page.get_by_label("出生日期").fill(person.birth_date.isoformat())
    page.get_by_role("button", name="确认").click()
    expect(page.get_by_role("heading", name=person.name)).to_be_visible()


def test_staff_invite_one_person_accepts_on_a_phone_another_declines_with_a_reason(
    live_server, xingning_user, make_person, regions
):
    today = timezone.localdate()
    accepting = make_person("陈晓梅")
    declining = make_person("李建国", birth_date=datetime.date(1979, 3, 2))
    activity = engagement.record_create(
        actor=None,
        model=Activity,
        data={
            "type": ActivityType.objects.get(name="主题教育"),
            "title": "同心助企座谈会",
            "start_date": today + datetime.timedelta(days=14),
            "place": "兴宁区统战部会议室",
            "organiser": "兴宁区委统战部",
            "region": regions["xingning"],
        },
    )
    first, second = services.links_issue(
        actor=xingning_user, persons=[accepting, declining], valid_days=30
    )
    respond_by = (today + datetime.timedelta(days=7)).isoformat()

    with chromium_page(live_server) as (page, problems):
        log_in(page, "xingning", f"/engagement/activities/{activity.pk}/")
        page.get_by_test_id("invitations").get_by_role("link", name="邀请人员").click()
        page.get_by_role("button", name="筛选").click()
        expect(page.get_by_test_id("match-count")).to_have_text("2")
        page.get_by_label("答复截止日期").fill(respond_by)
        page.get_by_label("邀请说明").fill("请提前15分钟到场签到。")
        _shot(page, "1-staff-invite")
        page.get_by_role("button", name="发出邀请（2 人）").click()
        expect(page.get_by_role("alert").filter(has_text="已邀请 2 人")).to_be_visible()
        expect(page.get_by_test_id("invitation-counts")).to_contain_text("待答复 2")
        _shot(page, "2-staff-invited")
        assert problems == []

    assert Invitation.objects.filter(activity=activity, answer="pending").count() == 2

    with chromium_page(live_server) as (page, problems):
        _open(page, first.token, accepting)
        invitation = page.get_by_test_id("invitation")
        expect(invitation).to_contain_text("同心助企座谈会")
        expect(invitation).to_contain_text("请提前15分钟到场签到。")
        no_sideways_scroll(page)
        _shot(page, "3-phone-invited")
        invitation.get_by_role("button", name="接受邀请").click()
        expect(page.get_by_test_id("sent")).to_contain_text("已接受邀请")
        expect(page.get_by_test_id("invitation-state")).to_have_text("已接受")
        expect(page.get_by_test_id("activities")).to_contain_text("同心助企座谈会")
        no_sideways_scroll(page)
        _shot(page, "4-phone-accepted")
        assert problems == []

    with chromium_page(live_server) as (page, problems):
        _open(page, second.token, declining)
        invitation = page.get_by_test_id("invitation")
        invitation.get_by_text("谢绝", exact=True).click()
        invitation.get_by_role("button", name="确认谢绝").click()
        expect(page.get_by_test_id("invitation-error")).to_have_text("请填写谢绝原因。")
        no_sideways_scroll(page)
        _shot(page, "5-phone-decline-refused")
        page.get_by_label("谢绝原因").fill("当天在外地参加展会")
        page.get_by_role("button", name="确认谢绝").click()
        expect(page.get_by_test_id("sent")).to_contain_text("已谢绝邀请")
        expect(page.get_by_test_id("invitation")).to_contain_text("谢绝原因：当天在外地参加展会")
        _shot(page, "6-phone-declined")
        assert problems == []

    with chromium_page(live_server) as (page, problems):
        log_in(page, "xingning", f"/engagement/activities/{activity.pk}/")
        counts = page.get_by_test_id("invitation-counts")
        expect(counts).to_contain_text("已接受 1")
        expect(counts).to_contain_text("已谢绝 1")
        rows = page.get_by_test_id("invitation-rows")
        expect(rows.locator("tr", has_text="李建国")).to_contain_text("当天在外地参加展会")
        participants = page.get_by_test_id("participants")
        expect(participants).to_contain_text("陈晓梅")
        expect(participants).not_to_contain_text("李建国")
        _shot(page, "7-staff-answers")
        assert problems == []

    row = activity.participants.get()
    assert (row.person, row.attendance) == (accepting, "registered")
