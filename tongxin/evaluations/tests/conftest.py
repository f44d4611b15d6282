"""Fixtures for evaluation tests: evaluators, a small system whose arithmetic is
easy to check by hand, and a round factory."""

import datetime
from decimal import Decimal

import pytest

from tongxin.accounts.models import User
from tongxin.conftest import PASSWORD
from tongxin.evaluations import rounds, sheets, systems
from tongxin.evaluations.models import Indicator
from tongxin.people.models import Person


@pytest.fixture
def evaluators(regions):
    return [
        User.objects.create_user(
            username=f"eval{n}",
            password=PASSWORD,
            role=User.Role.EVALUATOR,
            display_name=f"评审{n}",
        )
        for n in (1, 2, 3)
    ]


def simple_tree():
    """Total = 3·(a + b) + 2·c: 政治 60% over a, b (10 each); 贡献 40% over c (20)."""
    S = systems
    return [
        S.DimensionSpec(
            "政治素质",
            60,
            [
                S.IndicatorSpec("学习出勤", Decimal(10), "按出勤记录"),
                S.IndicatorSpec("活动参加", Decimal(10), "按活动记录"),
            ],
        ),
        S.DimensionSpec("社会贡献", 40, [S.IndicatorSpec("公益记录", Decimal(20), "按公益记录")]),
    ]


@pytest.fixture
def simple_system(city_user):
    return systems.indicator_system_save(
        actor=city_user,
        system=None,
        name="测试体系",
        region=None,
        groups=[],
        dimensions=simple_tree(),
    )


@pytest.fixture
def make_round(city_user, evaluators, simple_system, regions):
    """make_round(persons, region=city, evaluators=all three, open=True) → a round."""

    def make(persons, *, region=None, actor=None, system=None, evaluator_list=None, open=True):
        evaluation_round = rounds.round_create(
            actor=actor or city_user,
            name="2026年度",
            region=region or regions["city"],
            system=system or simple_system,
            persons=Person.objects.filter(pk__in=[p.pk for p in persons]),
            evaluators=evaluator_list or evaluators,
            deadline=datetime.date(2026, 12, 31),
        )
        if open:
            evaluation_round = rounds.round_open(
                actor=actor or city_user, evaluation_round=evaluation_round
            )
        return evaluation_round

    return make


def entries_for(system, a, b, c, note=""):
    """{indicator id: (points, note)} for the simple system's three indicators."""
    indicators = list(
        Indicator.objects.filter(dimension__system=system).order_by(
            "dimension__sort_order", "sort_order"
        )
    )
    return {i.pk: (p, note) for i, p in zip(indicators, (a, b, c), strict=True)}


def score(sheet, a, b, c, *, submit=True):
    return sheets.sheet_save(
        actor=sheet.evaluator,
        sheet=sheet,
        entries=entries_for(sheet.round.system, a, b, c),
        submit=submit,
    )
