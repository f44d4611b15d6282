"""Demo records for 综合评价: the seeded city-wide indicator system plus a copy
for 柳州市, a closed 南宁市 round with results (its persons from several
counties, the demo mover among them) and an open 柳州市 round with some sheets
submitted, both scored by the `evaluator` demo account through services.py.
"""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.people.demo import demo_mover
from tongxin.people.models import Person
from tongxin.regions.models import Region
from tongxin.regions.scope import subtree_of

from .models import EvaluationRound, EvaluationSheet, IndicatorSystem, RoundResult
from .results import round_close
from .rounds import round_create, round_open
from .sheets import sheet_save
from .systems import indicator_system_save, system_with_tree, tree_of

ROUND_SIZE = 12


def _round_persons(city: Region, system: IndicatorSystem, rng: random.Random, extra=()):
    """A dozen active persons of the city's subtree, from as many units as possible."""
    persons = subtree_of(city).filter(Person.objects.filter(status=Person.Status.ACTIVE))
    group_ids = list(system.groups.values_list("id", flat=True))
    if group_ids:
        persons = persons.filter(group_id__in=group_ids)
    by_region: dict[int, list[int]] = {}
    for pk, region_id in persons.order_by("id").values_list("id", "region_id")[:400]:
        by_region.setdefault(region_id, []).append(pk)
    chosen = [pk for pk in extra]
    while len(chosen) < ROUND_SIZE and any(by_region.values()):
        for ids in by_region.values():
            if ids and len(chosen) < ROUND_SIZE:
                chosen.append(ids.pop(int(rng.random() * len(ids))))
    return Person.objects.filter(pk__in=chosen)


def _score(sheets, evaluator: User, system: IndicatorSystem, rng: random.Random) -> None:
    indicators = [i for d in system.dimensions.all() for i in d.indicators.all()]
    for sheet in sheets:
        entries = {
            i.pk: (
                (i.max_points * Decimal(0.55 + 0.45 * rng.random())).quantize(Decimal("0.1")),
                "",
            )
            for i in indicators
        }
        sheet_save(actor=evaluator, sheet=sheet, entries=entries, submit=True)


@transaction.atomic
def demo_records_ensure(*, seed: int = 1) -> list[str]:
    """Fill 综合评价 once; returns what was made (empty if it was there already)."""
    if EvaluationRound.objects.exists():
        return []
    evaluator = User.objects.filter(username="evaluator").first()
    nanning = Region.objects.filter(code="450100").first()
    liuzhou = Region.objects.filter(code="450200").first()
    default = IndicatorSystem.objects.filter(region__isnull=True, is_active=True).first()
    if evaluator is None or nanning is None or liuzhou is None or default is None:
        return []
    rng = random.Random(f"evaluations:{seed}")
    today = timezone.localdate()
    system = system_with_tree(default.pk)
    own = indicator_system_save(
        actor=None,
        system=None,
        name="柳州市代表人士综合评价指标",
        region=liuzhou,
        groups=list(system.groups.all()),
        dimensions=tree_of(system),
    )
    own = system_with_tree(own.pk)

    mover = demo_mover()
    closed = round_create(
        actor=None,
        name=f"{today.year - 1}年度南宁市综合评价",
        region=nanning,
        system=system,
        persons=_round_persons(nanning, system, rng, extra=[mover.pk] if mover else []),
        evaluators=[evaluator],
        deadline=today - datetime.timedelta(days=30),
    )
    round_open(actor=None, evaluation_round=closed)
    _score(EvaluationSheet.objects.filter(round=closed).order_by("id"), evaluator, system, rng)
    round_close(actor=None, evaluation_round=closed)

    current = round_create(
        actor=None,
        name=f"{today.year}年度柳州市综合评价",
        region=liuzhou,
        system=own,
        persons=_round_persons(liuzhou, own, rng),
        evaluators=[evaluator],
        deadline=today + datetime.timedelta(days=30),
    )
    round_open(actor=None, evaluation_round=current)
    sheets = list(EvaluationSheet.objects.filter(round=current).order_by("id"))
    _score(sheets[: len(sheets) // 2], evaluator, own, rng)
    return [
        f"综合评价：指标体系 {IndicatorSystem.objects.count()} 套，批次 2 个，"
        f"评分表 {EvaluationSheet.objects.count()} 份"
        f"（已提交 {EvaluationSheet.objects.filter(status=EvaluationSheet.Status.SUBMITTED).count()} 份），"
        f"评价结果 {RoundResult.objects.count()} 条"
    ]
