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
