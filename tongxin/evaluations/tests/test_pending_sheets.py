"""Unsubmitted sheets are said out loud: to the staff about to close a round, and
to the evaluator on their home page."""

from django.urls import reverse

from tongxin.core.templatetags.tongxin import cn_date
from tongxin.evaluations.tests.conftest import score
from tongxin.evaluations.tests.test_views import sheet_of


def test_closing_warns_of_unsubmitted_sheets(
    client_for, city_user, make_round, make_person, evaluators
):
    persons = [make_person(f"张{i}") for i in range(3)]
    evaluation_round = make_round(persons)  # 3 persons × 3 evaluators = 9 sheets
    for person in persons:
        score(sheet_of(evaluation_round, person, evaluators[0]), 5, 5, 5)
    score(sheet_of(evaluation_round, persons[0], evaluators[1]), 5, 5, 5, submit=False)

    response = client_for(city_user).get(
        reverse("evaluations:round_detail", args=[evaluation_round.pk])
    )

    page = response.content.decode()
    assert 'data-tx-confirm="还有 6 份评分表未提交，未提交的评分不计入结果。' in page
    assert "还有 6 份评分表未提交，我确认不计入结果</label>" in page


def test_closing_asks_plainly_when_every_sheet_is_in(
    client_for, city_user, make_round, make_person, evaluators
):
    person = make_person("张三")
    evaluation_round = make_round([person], evaluator_list=evaluators[:1])
    score(sheet_of(evaluation_round, person, evaluators[0]), 5, 5, 5)

    page = (
        client_for(city_user)
        .get(reverse("evaluations:round_detail", args=[evaluation_round.pk]))
        .content.decode()
    )

    assert 'data-tx-confirm="结束后结果锁定' in page
    assert "未提交" not in page


def test_the_evaluators_home_lists_their_pending_sheets(
    client_for, make_round, make_person, evaluators
):
    persons = [make_person(f"张{i}") for i in range(3)]
    evaluation_round = make_round(persons)
    score(sheet_of(evaluation_round, persons[0], evaluators[0]), 5, 5, 5)

    response = client_for(evaluators[0]).get(reverse("home"))

    page = response.content.decode()
    card = page.split('data-testid="evaluator-home-card"')[1]
    assert 'data-testid="pending-sheets">2<' in card
    assert evaluation_round.name in card and cn_date(evaluation_round.deadline) in card
    assert reverse("evaluations:my_sheets") in card
    assert "在库代表人士" not in page and "按类别" not in page


def test_an_evaluator_with_nothing_pending_is_told_so(client_for, evaluators, db):
    page = client_for(evaluators[2]).get(reverse("home")).content.decode()

    assert "目前没有待完成的评分表" in page
    assert "在库代表人士" not in page
