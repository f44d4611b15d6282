"""A closed round's ranked results as xlsx (the one exporter, core/exporting.py)."""

import io
from collections.abc import Iterator

from django.db.models import F

from tongxin.core.exporting import Table, XlsxBook

from .models import EvaluationRound, RoundResult

COLUMNS = [
    ("名次", 6),
    ("姓名", 10),
    ("所属区域", 10),
    ("人员类别", 28),
    ("工作单位", 30),
    ("职务", 14),
    ("综合得分", 9),
    ("最低分", 8),
    ("最高分", 8),
    ("分差", 7),
    ("有效评审人数", 8),
    ("未提交人数", 8),
    ("等次", 6),
]


def result_rows(evaluation_round: EvaluationRound) -> Iterator[list]:
    """One row per person in rank order; the one row source for screen and file."""
    results = (
        RoundResult.objects.filter(round=evaluation_round)
        .select_related("person", "person__region", "person__group")
        .order_by(F("rank").asc(nulls_last=True), "person__name_pinyin", "id")
    )
    for r in results.iterator(chunk_size=2000):
        spread = r.spread
        yield [
            r.rank,
            r.person.name,
            r.person.region.name,
            r.person.group.name,
            r.person.employer,
            r.person.job_title,
            float(r.score) if r.score is not None else None,
            float(r.min_score) if r.min_score is not None else None,
            float(r.max_score) if r.max_score is not None else None,
            float(spread) if spread is not None else None,
            r.n_evaluators,
            r.n_missing,
            r.grade or "无评分",
        ]


def results_xlsx(evaluation_round: EvaluationRound) -> bytes:
    buffer = io.BytesIO()
    with XlsxBook(buffer) as book:
        book.table(
            Table(
                name="评价结果",
                title=f"{evaluation_round.name}综合评价结果（{evaluation_round.region.name}）",
                headers=[label for label, _ in COLUMNS],
                widths=[width for _, width in COLUMNS],
                formats=[None] * 6 + ["0.00"] * 4,
                rows=result_rows(evaluation_round),
                ruled=True,
                print_wide=True,
            )
        )
    return buffer.getvalue()
