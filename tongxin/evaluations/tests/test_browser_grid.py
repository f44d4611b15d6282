"""The evaluator's grid and the round-close warning in a real browser
(Playwright + Chromium, 1366×768), as issue 18 asks; the sheet with the records
the rubric relies on is photographed for docs/screenshots/.
Run with `pytest -m browser tongxin/evaluations -p no:xdist`."""

import os
import shutil
from pathlib import Path

import pytest

from tongxin.core.tests.browser import chromium_page, expect, log_in
from tongxin.evaluations.models import EvaluationRound, EvaluationSheet
from tongxin.evaluations.tests.test_sheet_evidence import _records_of

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path(os.environ.get("TONGXIN_SHOTS", "/tmp/shots-bulk"))
DOCS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


def test_an_evaluator_fills_the_grid_and_closing_warns_about_the_rest(
    live_server, city_user, xingning_user, evaluators, make_person, make_round, regions
):
    zhang = make_person("张三", employer="南宁某科技有限公司", achievements="带动就业200人")
    li, wang = make_person("李四"), make_person("王五")
    _records_of(zhang, actor=xingning_user, region=regions["xingning"])
    evaluation_round = make_round([zhang, li, wang], evaluator_list=evaluators[:1])
    zhang_sheet = EvaluationSheet.objects.get(person=zhang)
    SHOTS.mkdir(parents=True, exist_ok=True)

    with chromium_page(live_server) as (page, problems):
        page.on("dialog", lambda dialog: dialog.accept())
        log_in(page, "eval1", "/")
        card = page.get_by_test_id("evaluator-home-card")
        expect(card.get_by_test_id("pending-sheets")).to_have_text("3")
        card.get_by_role("link", name="表格录入").click()
        expect(page.get_by_test_id("grid-pending")).to_have_text("3")

        # type along 张三's row and into 李四's first cell; one wrong value first
        page.get_by_label("张三：学习出勤").fill("10")
        page.keyboard.press("Tab")
        page.keyboard.type("10")
        page.keyboard.press("Tab")
        page.keyboard.type("15")
        page.get_by_label("李四：学习出勤").fill("12")
        page.get_by_role("button", name="保存草稿").click()
        expect(page.get_by_test_id("grid-errors")).to_contain_text(
            "李四：“学习出勤”的得分不能超过满分 10 分。"
        )
        expect(page.get_by_label("李四：学习出勤")).to_have_class(
            "form-control form-control-sm text-end is-invalid"
        )
        expect(page.get_by_label("张三：公益记录")).to_have_value("15")  # kept as typed
        page.get_by_label("李四：学习出勤").fill("8")
        # a note per cell: hidden (out of the Tab order) until the switch is on
        note = page.get_by_label("李四的“学习出勤”评分说明")
        expect(note).to_be_hidden()
        page.get_by_text("逐格填写评分说明").click()
        note.fill("全年出勤8次")
        page.get_by_role("button", name="保存并提交已评完的").click()
        expect(page.locator(".alert-success")).to_contain_text(
            "已保存 2 份评分表，其中 1 份评完已提交"
        )
        expect(page.get_by_test_id("grid-pending")).to_have_text("2")
        expect(page.locator("tr[data-person=张三]")).to_contain_text("已提交 90.00")
        expect(page.locator("tr[data-person=李四] [data-testid=grid-note]")).to_have_text(
            "全年出勤8次"
        )
        page.screenshot(path=str(SHOTS / "evaluator-grid.png"), full_page=True)
        page.get_by_text("逐格填写评分说明").click()
        page.screenshot(path=str(SHOTS / "evaluator-grid-notes.png"), full_page=True)
        page.get_by_role("link", name="李四").click()
        expect(page.get_by_label("学习出勤评分说明")).to_have_value("全年出勤8次")
        page.go_back()

        # the sheet: read-only records of the period, previous/next, deadline
        page.get_by_role("link", name="张三").click()
        evidence = page.get_by_test_id("evidence")
        expect(evidence).to_contain_text("考核期间 2026年1月1日—2026年12月31日")
        expect(evidence.locator("[data-evidence=trainings]")).to_contain_text("出席学时合计 12.5")
        expect(evidence.locator("[data-evidence=suggestions]")).to_contain_text(
            "优化营商环境的建议"
        )
        expect(page.get_by_test_id("sheet-nav")).to_contain_text("第 3/3 份")
        page.screenshot(path=str(SHOTS / "evaluator-sheet.png"), full_page=True)
        page.get_by_role("button", name="退出").click()

        # closing with 2 unsubmitted sheets: the checkbox must be ticked first
        log_in(page, "city", f"/evaluations/{evaluation_round.pk}/")
        warning = page.get_by_test_id("unsubmitted")
        expect(warning).to_contain_text("还有 2 份评分表未提交，我确认不计入结果")
        page.get_by_role("button", name="结束评审并计算结果").click()
        expect(page).to_have_url(f"{live_server.url}/evaluations/{evaluation_round.pk}/")
        page.screenshot(path=str(SHOTS / "round-close-warning.png"), full_page=True)
        warning.get_by_role("checkbox").check()
        page.get_by_role("button", name="结束评审并计算结果").click()
        expect(page.locator(".alert-success")).to_contain_text("批次已结束，结果已锁定。")
        assert problems == []

    assert EvaluationRound.objects.get().status == EvaluationRound.Status.CLOSED
    assert EvaluationSheet.objects.get(pk=zhang_sheet.pk).status == "submitted"
    if os.environ.get("TONGXIN_UPDATE_SCREENSHOTS"):
        for name in ("evaluator-sheet.png", "evaluator-grid.png", "evaluator-grid-notes.png"):
            shutil.copy(SHOTS / name, DOCS / name)
