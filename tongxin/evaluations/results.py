"""A round's results: totals, grades, closing the round, the removal proposals it
leaves, and the results export."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from statistics import fmean

from django.db import connection, transaction
from django.db.models import (
    Case,
    FloatField,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core import writes
from tongxin.people.models import Person
from tongxin.people.services import person_archive

from .errors import EvaluationError
from .grading import (
    grade_bands,
    grade_of,
    indicator_factors,
    lowest_grade,
    prepare_bands,
    to_cents,
)
from .models import (
    EvaluationRound,
    EvaluationSheet,
    RemovalProposal,
    RoundPerson,
    RoundResult,
    Score,
)
from .rounds import BATCH, locked_round
from .systems import system_with_tree


def sheet_totals_of_round(evaluation_round: EvaluationRound) -> list[tuple[int, int, float]]:
    """(sheet id, person id, normalised total) of every submitted sheet, summed in SQL."""
    system = system_with_tree(evaluation_round.system_id)
    factors = indicator_factors(system.dimensions.all())
    if not factors:
        return []
    factor = Case(
        *[When(indicator_id=pk, then=Value(f)) for pk, f in factors.items()],
        default=Value(0.0),
        output_field=FloatField(),
    )
    submitted = EvaluationSheet.objects.filter(
        round=evaluation_round, status=EvaluationSheet.Status.SUBMITTED
    )
    person_of_sheet = dict(submitted.values_list("id", "person_id"))
    # Summed from the covering (sheet, indicator, points) index, without touching sheets.
    rows = (
        Score.objects.filter(sheet_id__in=submitted.values("id"))
        .values("sheet_id")
        .annotate(total=Sum(Cast("points", FloatField()) * factor))
        .order_by()
        .values_list("sheet_id", "total")
    )
    return [(sheet_id, person_of_sheet[sheet_id], total) for sheet_id, total in rows]


@dataclass
class PersonAggregate:
    person_id: int
    score: Decimal | None
    min_score: Decimal | None
    max_score: Decimal | None
    n_evaluators: int
    n_missing: int
    grade: str = ""
    rank: int | None = None


def aggregate_round(
    evaluation_round: EvaluationRound, bands: list[list] | None = None
) -> list[PersonAggregate]:
    """Each person's mean over the evaluators who submitted, spread, grade and rank.

    Evaluators who never submitted are left out of the mean and counted as
    missing. Ranks are competition ranks (1, 2, 2, 4); persons nobody scored
    get no score, grade or rank.
    """
    prepared = prepare_bands(bands)
    per_person: dict[int, list[float]] = defaultdict(list)
    for _sheet_id, person_id, total in sheet_totals_of_round(evaluation_round):
        per_person[person_id].append(to_cents(total))
    n_assigned = evaluation_round.evaluators.count()
    results = []
    person_ids = RoundPerson.objects.filter(round=evaluation_round).values_list(
        "person_id", flat=True
    )
    for person_id in person_ids.iterator():
        totals = per_person.get(person_id, [])
        if totals:
            score = to_cents(fmean(float(t) for t in totals))
            aggregate = PersonAggregate(
                person_id,
                score,
                min(totals),
                max(totals),
                len(totals),
                max(n_assigned - len(totals), 0),
                grade_of(score, prepared),
            )
        else:
            aggregate = PersonAggregate(person_id, None, None, None, 0, n_assigned)
        results.append(aggregate)
    ranked = sorted((r for r in results if r.score is not None), key=lambda r: -r.score)
    previous, previous_rank = None, 0
    for position, result in enumerate(ranked, start=1):
        if result.score != previous:
            previous, previous_rank = result.score, position
        result.rank = previous_rank
    return results


_RESULT_COLUMNS = [
    ("round_id", "bigint"),
    ("person_id", "bigint"),
    ("score", "numeric"),
    ("min_score", "numeric"),
    ("max_score", "numeric"),
    ("n_evaluators", "integer"),
    ("n_missing", "integer"),
    ("grade", "text"),
    ("rank", "integer"),
]


def _insert_results(evaluation_round: EvaluationRound, aggregates: list[PersonAggregate]) -> None:
    """Store the frozen results in as few statements as each database allows.

    bulk_create spends seconds turning 10,000 rows of decimals into SQL, and
    psycopg's client-side cursor spends seconds splitting a 9,000-placeholder
    VALUES list (bench_evaluation.py). SQLite's executemany is native; on
    PostgreSQL one INSERT … SELECT FROM unnest(arrays) takes nine parameters.
    """
    table = RoundResult._meta.db_table
    names = ", ".join(connection.ops.quote_name(c) for c, _ in _RESULT_COLUMNS)
    rows = [
        (
            evaluation_round.pk,
            a.person_id,
            a.score,
            a.min_score,
            a.max_score,
            a.n_evaluators,
            a.n_missing,
            a.grade,
            a.rank,
        )
        for a in aggregates
    ]
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{kind}[]" for _, kind in _RESULT_COLUMNS)
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays})",
                [list(column) for column in zip(*rows, strict=True)],
            )
        else:
            placeholders = ", ".join(["%s"] * len(_RESULT_COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)


@transaction.atomic
def round_close(
    *,
    actor,
    evaluation_round: EvaluationRound,
    confirmed_unsubmitted: int | None = None,
    request=None,
) -> EvaluationRound:
    """Freeze the results (RoundResult) and propose removal for every lowest grade.

    Nothing is archived here: each proposal waits for a person's decision.
    Sheets not submitted do not count; a person closing the round (the view
    always passes `confirmed_unsubmitted`) must have confirmed exactly how
    many, so a sheet that was still open when the page was drawn is not
    dropped unseen. None: a caller without a person (the demo) does not ask.
    """
    current = locked_round(evaluation_round)
    if current.status != EvaluationRound.Status.OPEN:
        raise EvaluationError("只有评审中的批次可以结束。")
    if confirmed_unsubmitted is not None:
        unsubmitted = (
            EvaluationSheet.objects.filter(round=current)
            .exclude(status=EvaluationSheet.Status.SUBMITTED)
            .count()
        )
        if unsubmitted and confirmed_unsubmitted != unsubmitted:
            raise EvaluationError(
                f"还有 {unsubmitted} 份评分表未提交，未提交的评分不计入结果；"
                "确需结束，请勾选确认后再结束评审。"
            )
    bands = grade_bands()
    aggregates = aggregate_round(current, bands)
    _insert_results(current, aggregates)
    failing = lowest_grade(bands)
    proposals = [
        RemovalProposal(round=current, person_id=person_id, result_id=result_id)
        for result_id, person_id in RoundResult.objects.filter(round=current, grade=failing)
        .order_by("id")
        .values_list("id", "person_id")
    ]
    if proposals:
        bulk_create_with_history(
            proposals,
            RemovalProposal,
            batch_size=BATCH,
            default_user=actor,
            default_change_reason=f"{current.name}综合评价{failing}级",
        )
    current.status = EvaluationRound.Status.CLOSED
    current.closed_at = timezone.now()
    current.closed_by = actor
    current.grade_bands = bands
    distribution: dict[str, int] = defaultdict(int)
    for a in aggregates:
        distribution[a.grade or "无评分"] += 1
    return writes.save_audited(
        current,
        actor=actor,
        fields=["status", "closed_at", "closed_by", "grade_bands"],
        action=AuditEntry.Action.UPDATE,
        changes={
            "状态": ["评审中", "已结束"],
            "参评人数": len(aggregates),
            "等次分布": dict(distribution),
            "出库建议": len(proposals),
        },
        request=request,
    )


# --- removal proposals --------------------------------------------------------


@transaction.atomic
def proposal_decide(
    *,
    actor,
    proposal: RemovalProposal,
    confirm: bool,
    reason: str,
    on_date: datetime.date | None = None,
    request=None,
) -> RemovalProposal:
    """Confirm (archive the person, reason 综合评价D级) or reject a removal proposal."""
    current = writes.lock(RemovalProposal.objects.select_related("round", "person"), proposal.pk)
    reason = (reason or "").strip()
    if not reason:
        raise EvaluationError("决定理由：请填写理由。")
    if len(reason) > 500:
        raise EvaluationError("决定理由：不能超过 500 字。")
    if current.status != RemovalProposal.Status.PROPOSED:
        raise EvaluationError("该出库建议已经处理过。")
    if confirm:
        try:
            person_archive(
                actor=actor,
                person=current.person,
                reason=Person.ArchiveReason.GRADE_D,
                on_date=on_date or timezone.localdate(),
                note=f"{current.round.name}综合评价（出库建议{current.pk}号）：{reason}"[:200],
                request=request,
            )
        except ValueError as error:
            raise EvaluationError(f"不能出库：{error}。") from None
    current.status = (
        RemovalProposal.Status.CONFIRMED if confirm else RemovalProposal.Status.REJECTED
    )
    current.reason = reason
    current.decided_by = actor
    current.decided_at = timezone.now()
    return writes.save_audited(
        current,
        actor=actor,
        fields=["status", "reason", "decided_by", "decided_at"],
        action=AuditEntry.Action.UPDATE,
        changes={"决定": current.get_status_display(), "理由": reason},
        request=request,
        region=current.person.region,
        object_repr=f"{current.round.name}出库建议：{current.person.name}",
    )


def round_results_export(*, actor, evaluation_round: EvaluationRound, request=None) -> bytes:
    """The closed round's results as xlsx; the export is logged."""
    from .export import results_xlsx

    if not evaluation_round.is_closed:
        raise EvaluationError("批次结束后才能导出结果。")
    content = results_xlsx(evaluation_round)
    audit_log(
        action=AuditEntry.Action.EXPORT,
        user=actor,
        request=request,
        obj=evaluation_round,
        changes={"内容": "评价结果", "格式": "xlsx"},
    )
    return content
