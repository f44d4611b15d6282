"""The evaluator's grid: persons × indicators in one page, saved in one step."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.evaluations.models import EvaluationSheet, Indicator, Score
from tongxin.evaluations.tests.conftest import score

pytestmark = pytest.mark.django_db


def _cells(evaluation_round, evaluator, values: dict[str, tuple]) -> dict:
    """{"p-<sheet>-<indicator>": points} for {person name: (a, b, c)}."""
    indicators = list(
        Indicator.objects.filter(dimension__system=evaluation_round.system).order_by(
            "dimension__sort_order", "sort_order"
        )
    )
    data = {}
    for sheet in EvaluationSheet.objects.filter(round=evaluation_round, evaluator=evaluator):
        for indicator, points in zip(indicators, values.get(sheet.person.name, ("", "", "")),
                                     strict=True):  # fmt: skip
            data[f"p-{sheet.pk}-{indicator.pk}"] = points
    return data


def test_the_grid_saves_drafts_and_submits_the_complete_rows(
    client_for, make_round, make_person, evaluators
):
    zhang, li, wang = make_person("张三"), make_person("李四"), make_person("王五")
    evaluation_round = make_round([zhang, li, wang], evaluator_list=evaluators[:1])
    evaluator = evaluators[0]
    url = reverse("evaluations:sheet_grid", args=[evaluation_round.pk])
    client = client_for(evaluator)
    page = client.get(url).content.decode()
    assert page.count('inputmode="decimal"') == 9 and 'aria-label="张三：学习出勤"' in page
    data = _cells(evaluation_round, evaluator, {"张三": ("10", "10", "15"), "李四": ("8", "", "")})
    response = client.post(url, data | {"action": "submit"})
    assert response.status_code == 302
    sheets = {s.person.name: s for s in EvaluationSheet.objects.select_related("person")}
    assert sheets["张三"].status == "submitted" and sheets["张三"].total == Decimal("90.00")
    assert sheets["李四"].status == "draft"
    assert Score.objects.filter(sheet=sheets["李四"]).get().points == Decimal("8")
    assert not Score.objects.filter(sheet=sheets["王五"]).exists()  # nothing typed: untouched
    assert AuditEntry.objects.filter(object_type="evaluations.evaluationsheet").count() == 2
    assert "已保存 2 份评分表，其中 1 份评完已提交" in client.get(url).content.decode()


def test_a_wrong_cell_saves_nothing_and_names_person_and_indicator(
    client_for, make_round, make_person, evaluators
):
    zhang, li = make_person("张三"), make_person("李四")
    evaluation_round = make_round([zhang, li], evaluator_list=evaluators[:1])
    url = reverse("evaluations:sheet_grid", args=[evaluation_round.pk])
    client = client_for(evaluators[0])
    data = _cells(evaluation_round, evaluators[0], {"张三": ("10", "", ""), "李四": ("12", "", "")})
    response = client.post(url, data)
    text = response.content.decode()
    assert response.status_code == 200
    assert "李四：“学习出勤”的得分不能超过满分 10 分。" in text
    assert 'is-invalid" name="p-' in text and 'value="12"' in text
    assert not Score.objects.exists()


def test_submitted_rows_are_read_only_and_keep_their_notes(
    client_for, make_round, make_person, evaluators
):
    zhang, li = make_person("张三"), make_person("李四")
    evaluation_round = make_round([zhang, li], evaluator_list=evaluators[:1])
    done = EvaluationSheet.objects.get(person=zhang)
    score(done, 9, 9, 9)
    url = reverse("evaluations:sheet_grid", args=[evaluation_round.pk])
    client = client_for(evaluators[0])
    page = client.get(url).content.decode()
    assert f'name="p-{done.pk}-' not in page and "已提交" in page
    # a forged cell for the submitted sheet changes nothing
    data = _cells(evaluation_round, evaluators[0], {"张三": ("1", "1", "1")})
    client.post(url, data)
    assert set(Score.objects.filter(sheet=done).values_list("points", flat=True)) == {Decimal(9)}


def test_only_the_evaluators_own_rounds_open_as_a_grid(
    client_for, make_round, make_person, evaluators, city_user
):
    evaluation_round = make_round([make_person("张三")], evaluator_list=evaluators[:1])
    url = reverse("evaluations:sheet_grid", args=[evaluation_round.pk])
    assert client_for(evaluators[1]).get(url).status_code == 404
    assert client_for(city_user).get(url).status_code == 404
    mine = client_for(evaluators[0]).get(reverse("evaluations:my_sheets")).content.decode()
    assert url in mine


def test_the_evaluators_home_names_the_pending_sheets(
    client_for, make_round, make_person, evaluators
):
    zhang, li = make_person("张三"), make_person("李四")
    evaluation_round = make_round([zhang, li], evaluator_list=evaluators[:1])
    score(EvaluationSheet.objects.get(person=zhang), 9, 9, 9)
    home = client_for(evaluators[0]).get("/").content.decode()
    listed = home.split('data-testid="pending-sheet-list"')[1].split("</ul>")[0]
    li_sheet = EvaluationSheet.objects.get(person=li)
    assert reverse("evaluations:sheet_detail", args=[li_sheet.pk]) in listed and "李四" in listed
    assert "张三" not in listed
    assert reverse("evaluations:sheet_grid", args=[evaluation_round.pk]) in home


def _note_names(evaluation_round, evaluator, person_name: str) -> list[str]:
    """The grid's note boxes ("n-<sheet>-<indicator>") of one person's row."""
    sheet = EvaluationSheet.objects.get(
        round=evaluation_round, evaluator=evaluator, person__name=person_name
    )
    cells = _cells(evaluation_round, evaluator, {})
    return [f"n{name[1:]}" for name in cells if name.startswith(f"p-{sheet.pk}-")]


def test_it_saves_a_note_per_cell_with_the_score_and_shows_it_on_the_sheet(
    client_for, make_round, make_person, evaluators
):
    zhang, li = make_person("张三"), make_person("李四")
    evaluation_round = make_round([zhang, li], evaluator_list=evaluators[:1])
    evaluator = evaluators[0]
    url = reverse("evaluations:sheet_grid", args=[evaluation_round.pk])
    client = client_for(evaluator)
    page = client.get(url).content.decode()
    assert page.count('placeholder="评分说明"') == 6 and "张三的“学习出勤”评分说明" in page
    data = _cells(evaluation_round, evaluator, {"张三": ("10", "8", "")})
    first, second, _third = _note_names(evaluation_round, evaluator, "张三")
    data |= {first: "  全年出勤12次  ", second: ""}
    response = client.post(url, data | {"action": "save"})
    assert response.status_code == 302
    sheet = EvaluationSheet.objects.get(person=zhang)
    notes = dict(Score.objects.filter(sheet=sheet).values_list("indicator__name", "note"))
    assert notes == {"学习出勤": "全年出勤12次", "活动参加": ""}
    entry = AuditEntry.objects.get(object_type="evaluations.evaluationsheet")
    assert entry.object_id == str(sheet.pk)
    # shown in the grid and on the person's sheet
    assert 'data-testid="grid-note" title="全年出勤12次"' in client.get(url).content.decode()
    detail = client.get(reverse("evaluations:sheet_detail", args=[sheet.pk])).content.decode()
    assert 'name="note-' in detail and 'value="全年出勤12次"' in detail


def test_changing_only_a_note_saves_the_sheet_and_a_missing_box_keeps_its_note(
    client_for, make_round, make_person, evaluators
):
    zhang = make_person("张三")
    evaluation_round = make_round([zhang], evaluator_list=evaluators[:1])
    evaluator = evaluators[0]
    url = reverse("evaluations:sheet_grid", args=[evaluation_round.pk])
    client = client_for(evaluator)
    points = _cells(evaluation_round, evaluator, {"张三": ("10", "8", "")})
    first, second, _third = _note_names(evaluation_round, evaluator, "张三")
    client.post(url, points | {first: "出勤12次", second: "参加3次"})
    # the same points, one note changed, the other box not sent at all
    response = client.post(url, points | {first: "出勤12次，另有2次请假"})
    assert "已保存 1 份评分表" in client.get(response.url).content.decode()
    notes = dict(Score.objects.values_list("indicator__name", "note"))
    assert notes == {"学习出勤": "出勤12次，另有2次请假", "活动参加": "参加3次"}


def test_a_note_without_a_score_is_refused_and_kept_on_screen(
    client_for, make_round, make_person, evaluators
):
    zhang = make_person("张三")
    evaluation_round = make_round([zhang], evaluator_list=evaluators[:1])
    evaluator = evaluators[0]
    url = reverse("evaluations:sheet_grid", args=[evaluation_round.pk])
    client = client_for(evaluators[0])
    data = _cells(evaluation_round, evaluator, {"张三": ("10", "", "")})
    _first, second, _third = _note_names(evaluation_round, evaluator, "张三")
    response = client.post(url, data | {second: "未见活动记录"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "张三：“活动参加”填写了评分说明但未评分，请先评分。" in text
    assert ">未见活动记录</textarea>" in text
    assert 'data-testid="grid-notes-switch" checked' in text  # the boxes open by themselves
    assert not Score.objects.exists()
