"""The Proof of 分级管理 in a real browser, with the demo accounts' names:
兴宁区 recommends a person → 南宁市 confirms (认定) → the person is in the city's
tier and both sides see it in their inbox; 兴宁区 asks to transfer a person to
柳州市城中区 → 柳州市 approves → 兴宁区 no longer sees the person, 柳州 does, and
the person's history shows the move.

Run with `.venv/bin/pytest -q -n 0 -m browser tongxin/flows/tests/test_browser_flows.py`.
Screenshots go to $TONGXIN_SHOTS (default /tmp/shots-tiers).
"""

import os
import re
from pathlib import Path

import pytest
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.conftest import PASSWORD
from tongxin.core.tests.browser import chromium_page, expect, log_in, settle
from tongxin.flows.models import ChangeRequest as FlowRequest
from tongxin.levels.tiers import tiers_held
from tongxin.portal.models import ChangeRequest as PortalChange
from tongxin.regions.models import Region
from tongxin.regions.tests.world import build_world

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path(os.environ.get("TONGXIN_SHOTS", "/tmp/shots-tiers"))


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def world(make_person, regions):
    world = build_world(make_person, regions)
    # The world's persons also have change requests of their own (tongxin/
    # portal) in these inboxes; the badge counts below are the flows' requests.
    PortalChange.objects.all().delete()
    city = User.objects.create_user(username="city", password=PASSWORD, role=User.Role.CITY)
    city.regions.set([regions["city"]])
    # The world's review year is confirmed everywhere, so no reminder to report
    # it (test_review_deadline.py) joins the badge counts below.
    for node in Region.objects.filter(staff__isnull=False, parent__isnull=False).distinct():
        FlowRequest.objects.create(
            kind="review", state="approved", origin=node, approver=node.parent,
            year=timezone.localdate().year, reason="已复核",
        )  # fmt: skip
    return world


def test_a_recommendation_and_a_transfer_between_cities(live_server, world, make_person):
    # The world's own persons have requests open already (build_world).
    person = make_person("兴宁丁", region=world.regions["xingning"], mobile="13900008888")
    mover = make_person("兴宁丙", region=world.regions["xingning"], mobile="13900009999")
    tier_label = "南宁市·市级重点联系"

    # 兴宁区 recommends 兴宁丁 for the city's tier.
    with chromium_page(live_server) as (page, problems):
        log_in(page, "xingning", f"/persons/{person.pk}/")
        page.get_by_role("link", name="推荐列入上级分级").click()
        settle(page)
        page.get_by_label("推荐列入").select_option(label=tier_label)
        page.get_by_label("推荐理由").fill("担任市工商联常委，推荐列入市级重点联系")
        shot(page, "1-recommend-form")
        page.get_by_role("button", name="提交审核").click()
        expect(page.get_by_test_id("request-state")).to_have_text("待审核")
        shot(page, "2-recommended")
        assert problems == []

    # 南宁市 sees it waiting in the navigation and confirms it.
    with chromium_page(live_server) as (page, problems):
        log_in(page, "city", "/flows/")
        # The world's three recommendations into the city's tier, and this one.
        expect(page.get_by_test_id("nav-badge")).to_have_text("4")
        awaiting = page.get_by_test_id("inbox-awaiting")
        expect(awaiting).to_contain_text("兴宁丁")
        shot(page, "3-city-inbox")
        awaiting.get_by_role("link", name="兴宁丁").click()
        settle(page)
        page.get_by_label("审核意见（可不填）").fill("同意认定")
        page.get_by_role("button", name="认定").click()
        expect(page.get_by_test_id("request-state")).to_have_text("通过")
        shot(page, "4-city-confirmed")
        page.goto(f"/persons/{person.pk}/")
        expect(page.get_by_test_id("tiers-held")).to_contain_text("南宁市 市级重点联系")
        expect(page.get_by_test_id("tiers-held")).to_contain_text("兴宁区 县区联系")
        page.goto("/flows/")
        expect(page.get_by_test_id("inbox-history")).to_contain_text("兴宁丁")
        expect(page.get_by_test_id("nav-badge")).to_have_text("3")
        assert problems == []

    # 兴宁区 sees the outcome in its history, then asks to transfer 兴宁丙 to 城中区.
    with chromium_page(live_server) as (page, problems):
        log_in(page, "xingning", "/flows/")
        history = page.get_by_test_id("inbox-history")
        expect(history).to_contain_text("兴宁丁")
        expect(history).to_contain_text("通过")
        page.goto(f"/persons/{mover.pk}/")
        page.get_by_role("link", name="申请调出").click()
        settle(page)
        page.get_by_label("调入区域").select_option(label="城中区")
        page.get_by_label("调动理由").fill("本人工作单位迁至柳州市城中区")
        page.get_by_role("button", name="提交审核").click()
        expect(page.get_by_test_id("request-state")).to_have_text("待审核")
        transfer_url = page.url
        assert problems == []

    # 柳州市 approves: the person is theirs now, with the move in the history.
    with chromium_page(live_server) as (page, problems):
        log_in(page, "liuzhou", "/flows/")
        # The world's 城中区 recommendation, and this transfer (the newest, listed first).
        expect(page.get_by_test_id("nav-badge")).to_have_text("2")
        page.get_by_test_id("inbox-awaiting").get_by_role("link", name="其他区域人员").click()
        settle(page)
        expect(page.get_by_test_id("request-person")).to_have_text("其他区域人员")
        page.get_by_role("button", name="审核通过").click()
        expect(page.get_by_test_id("request-state")).to_have_text("通过")
        expect(page.get_by_test_id("request-person")).to_have_text("兴宁丙")
        page.get_by_role("link", name="兴宁丙").click()
        settle(page)
        history = page.get_by_test_id("history")
        expect(history).to_contain_text("调动：兴宁区 → 城中区")
        expect(history).to_contain_text("兴宁区 → 城中区")
        shot(page, "5-liuzhou-person-history")
        assert problems == []

    # 兴宁区 can no longer open the person; its request no longer names them.
    with chromium_page(live_server) as (page, problems):
        log_in(page, "xingning", "/flows/")
        response = page.goto(f"/persons/{mover.pk}/")
        assert response.status == 404
        page.goto(transfer_url)
        expect(page.get_by_test_id("request-person")).to_have_text("其他区域人员（已调出本区域）")
        assert re.search("兴宁丙", page.content()) is None
        shot(page, "6-xingning-after-transfer")
        problems.clear()  # the 404 above is the point

    mover.refresh_from_db()
    assert mover.region == world.regions["chengzhong"]
    assert [str(t) for t in tiers_held(person)] == [tier_label, "兴宁区·县区联系"]


def test_xingning_asks_in_one_click_for_a_person_registered_in_liuzhou(live_server, world):
    elsewhere = world.persons["chengzhong"]
    number = elsewhere.id_number
    with chromium_page(live_server) as (page, problems):
        log_in(page, "xingning", "/persons/new/")
        page.get_by_label("姓名", exact=True).fill("某人")
        page.get_by_label("公民身份号码", exact=True).fill(number)
        page.get_by_role("button", name="保存", exact=True).click()
        settle(page)
        offer = page.get_by_test_id("transfer-in-offer")
        expect(offer).to_contain_text("该公民身份号码已在其他区域登记")
        assert "城中甲" not in page.content()
        shot(page, "7-form-offers-transfer-in")
        offer.get_by_role("button", name="申请调入").click()
        expect(page.get_by_test_id("request-state")).to_have_text("待审核")
        expect(page.get_by_test_id("request-person")).to_have_text("其他区域人员")
        assert "城中甲" not in page.content() and number not in page.url
        shot(page, "8-transfer-in-asked")
        assert problems == []
    asked = FlowRequest.objects.get(kind="transfer", direction="in", person=elsewhere)
    assert (asked.state, asked.target, asked.approver) == (
        "pending",
        world.regions["xingning"],
        world.regions["chengzhong"],
    )
