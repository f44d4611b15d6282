"""An evaluation round in a real browser (Playwright + Chromium), as issue 4 asks:
an evaluator logs in, scores a person and submits; city staff close the round
and see the grade. Run with `pytest -m browser -p no:xdist`."""

import re

import pytest

from tongxin.core.tests.browser import chromium_page, expect, log_in
from tongxin.evaluations.models import EvaluationRound, EvaluationSheet, RoundResult

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_evaluator_scores_and_city_staff_see_the_grade(
    live_server, city_user, evaluators, make_person, make_round
):
    person = make_person("张三", employer="南宁某科技有限公司", achievements="带动就业200人")
    evaluation_round = make_round([person], evaluator_list=evaluators[:1])
    sheet = EvaluationSheet.objects.get(round=evaluation_round)
    indicator_names = ["学习出勤", "活动参加", "公益记录"]

    with chromium_page(live_server) as (page, problems):
        page.on("dialog", lambda dialog: dialog.accept())  # the "submit?" confirmation
        log_in(page, "eval1", "/evaluations/mine/")
        expect(page.locator(".tx-sidebar")).to_contain_text("我的评审")
        expect(page.locator(".tx-sidebar .nav")).not_to_contain_text("代表人士")
        expect(page.get_by_test_id("todo")).to_have_text("1")
        page.get_by_role("link", name="张三").click()
        expect(page.get_by_test_id("person-summary")).to_contain_text("带动就业200人")
        expect(page.get_by_test_id("person-summary")).not_to_contain_text("1380")
        # a score above the maximum is refused with the indicator named
        page.get_by_label("学习出勤得分（满分10）").fill("12")
        page.get_by_role("button", name="保存草稿").click()
        expect(page.locator(".alert-danger")).to_contain_text(
            "“学习出勤”的得分不能超过满分 10 分。"
        )
        assert all("/sheets/" in p for p in problems), problems  # the refusal answers 400
        problems.clear()
        for name, points in zip(indicator_names, ("10", "10", "15"), strict=True):
            page.get_by_label(re.compile(f"^{name}得分")).fill(points)
        page.get_by_label("学习出勤评分说明").fill("全年培训全勤")
        page.get_by_role("button", name="提交评分").click()
        expect(page.locator(".alert-success")).to_contain_text("已提交对 张三 的评分。")
        expect(page.get_by_test_id("my-sheets")).to_contain_text("90.00")
        page.get_by_role("button", name="退出").click()

        log_in(page, "city", f"/evaluations/{evaluation_round.pk}/")
        expect(page.get_by_test_id("evaluator-progress")).to_contain_text("评审1")
        page.get_by_role("button", name="结束评审并计算结果").click()
        expect(page.locator(".alert-success")).to_contain_text("批次已结束，结果已锁定。")
        results = page.get_by_test_id("results")
        expect(results).to_contain_text("张三")
        expect(results.get_by_test_id("score")).to_have_text("90.00")
        expect(results.locator("[data-grade]")).to_have_text("A")
        page.goto(f"/persons/{person.pk}/")
        expect(page.get_by_test_id("grade-history")).to_contain_text("2026年度")
        expect(page.get_by_test_id("grade-history")).to_contain_text("A")
        assert problems == [], problems

    sheet.refresh_from_db()
    assert sheet.status == EvaluationSheet.Status.SUBMITTED
    assert sheet.scores.get(indicator__name="学习出勤").note == "全年培训全勤"
    evaluation_round.refresh_from_db()
    assert evaluation_round.status == EvaluationRound.Status.CLOSED
    assert RoundResult.objects.get(round=evaluation_round).grade == "A"


def test_the_new_round_form_counts_live_and_a_draft_is_edited(
    live_server, city_user, evaluators, make_person, simple_system, regions
):
    """The count follows the filter (htmx), equals the persons the round gets, and
    a person taken out of the draft leaves the list and shows in the change record."""
    from tongxin.people.models import Person

    make_person("张三", level=Person.Level.CITY)
    make_person("李四", region=regions["qingxiu"], level=Person.Level.CITY)
    make_person("王五", region=regions["qingxiu"], level=Person.Level.COUNTY)

    with chromium_page(live_server) as (page, problems):
        log_in(page, "city", "/evaluations/new/")
        preview = page.get_by_test_id("person-preview")
        expect(preview).to_contain_text("将纳入 3 人")
        page.get_by_label("分级").select_option(label="市级重点联系")
        expect(preview).to_contain_text("将纳入 2 人")
        page.get_by_label("所属区域").select_option(label="青秀区")
        expect(preview).to_contain_text("将纳入 1 人")
        page.get_by_label("所属区域").select_option(label="南宁市")
        page.get_by_label("指标体系").select_option(label="测试体系（第1版）")
        expect(preview).not_to_contain_text("可能减少")
        expect(preview).to_contain_text("将纳入 2 人")
        page.get_by_label("批次名称").fill("2026年度")
        page.get_by_label("截止日期").fill("2026-12-31")
        page.get_by_label("评审1（评审人）").check()
        page.get_by_role("button", name="创建批次（草稿）").click()
        expect(page.locator(".alert-success")).to_contain_text("已创建评价批次“2026年度”")
        persons = page.get_by_test_id("person-progress")
        expect(persons).to_contain_text("李四")
        page.get_by_role("button", name="移出李四").click()
        expect(page.locator(".alert-success")).to_contain_text("已将李四移出本批次。")
        expect(persons).not_to_contain_text("李四")
        expect(page.get_by_test_id("round-changes")).to_contain_text("移出参评人员：李四")
        assert problems == [], problems

    evaluation_round = EvaluationRound.objects.get()
    assert list(evaluation_round.persons.values_list("name", flat=True)) == ["张三"]
