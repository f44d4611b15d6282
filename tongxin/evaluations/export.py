"""A closed round's ranked results as xlsx (xlsxwriter, constant memory)."""

import io
from collections.abc import Iterator

import xlsxwriter
from django.db.models import F

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
    # strings_to_formulas off and write_string for text: a name or employer that
    # begins with = + - @ is stored as text, never run as a formula.
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    sheet = workbook.add_worksheet("评价结果")
    title = workbook.add_format({"bold": True, "font_size": 14})
    header = workbook.add_format({"bold": True, "border": 1, "bg_color": "#EEEEEE"})
    number = workbook.add_format({"num_format": "0.00", "border": 1})
    cell = workbook.add_format({"border": 1})
    sheet.write_string(
        0, 0, f"{evaluation_round.name}综合评价结果（{evaluation_round.region.name}）", title
    )
    for col, (label, width) in enumerate(COLUMNS):
        sheet.set_column(col, col, width)
        sheet.write_string(1, col, label, header)
    sheet.freeze_panes(2, 0)
    for row_number, row in enumerate(result_rows(evaluation_round), start=2):
        for col, value in enumerate(row):
            if value is None:
                sheet.write_blank(row_number, col, None, cell)
            elif isinstance(value, str):
                sheet.write_string(row_number, col, value, cell)
            elif isinstance(value, float):
                sheet.write_number(row_number, col, value, number)
            else:
                sheet.write_number(row_number, col, value, cell)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.repeat_rows(1)
    sheet.fit_to_pages(1, 0)
    workbook.close()
    return buffer.getvalue()
