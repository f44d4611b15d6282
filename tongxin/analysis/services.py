"""The structure analysis as a workbook: one sheet per table on the page."""

import datetime

import xlsxwriter
from django.db import transaction

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.people.listing import PersonFilter

from .models import YearEndCount, YearEndSnapshot
from .selectors import Structure, Trend, cn_day, history_counts, structure, trends, year_ends

# Every value is written as what it is: a label such as "=1+1" or "-35" stays text.
WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
TREND_KEYS = {"trend_level", "trend_group"}


def year_end_snapshots_keep(*, today: datetime.date) -> int:
    """Keep the counts at each finished year end of the trend (computed once
    from history, which is slow at a million persons); how many were made.
    Run by the task worker with the warm figures (hooks.warm_figures), never
    by a page: a GET changes nothing."""
    made = 0
    for year_end in year_ends(today):
        if YearEndSnapshot.objects.filter(year_end=year_end).exists():
            continue
        with transaction.atomic():
            snapshot, created = YearEndSnapshot.objects.get_or_create(year_end=year_end)
            if created:
                YearEndCount.objects.bulk_create(
                    YearEndCount(
                        snapshot=snapshot, region_id=region, level=level, group_id=group, count=n
                    )
                    for region, level, group, n in history_counts(year_end)
                )
                made += 1
    return made


def filter_description(person_filter: PersonFilter) -> str:
    """The page's filter in words; no region chosen means every region the user sees."""
    text = person_filter.description()
    return text if person_filter.region else f"区域：全部可见区域；{text}"


def _sheet_name(title: str, used: list[str]) -> str:
    name = "".join(c for c in title if c not in "[]:*?/\\")[:31]
    while name in used:
        name = name[:29] + str(len(used))
    used.append(name)
    return name


def structure_workbook(
    target, *, data: Structure, trend: Trend | None, trend_keys: set[str], description: str
) -> list[str]:
    """Write the tables to `target`; returns the sheet names."""
    workbook = xlsxwriter.Workbook(target, {**WORKBOOK_OPTIONS, "in_memory": True})
    bold = workbook.add_format({"bold": True})
    head = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    cell = workbook.add_format({"border": 1})
    percent = workbook.add_format({"border": 1, "num_format": "0.0%"})
    used: list[str] = []

    for dist in data.distributions:
        sheet = workbook.add_worksheet(_sheet_name(dist.title, used))
        sheet.set_column(0, 0, 24)
        sheet.set_column(1, 2, 10)
        sheet.write_string(0, 0, dist.title, bold)
        sheet.write_string(1, 0, description)
        if dist.note:
            sheet.write_string(2, 0, dist.note)
        row = 4
        for col, text in enumerate(["项目", "人数", "占比"]):
            sheet.write_string(row, col, text, head)
        base = dist.total if dist.total is not None else data.total
        for bucket in dist.buckets:
            row += 1
            sheet.write_string(row, 0, bucket.label, cell)
            sheet.write_number(row, 1, bucket.count, cell)
            sheet.write_number(row, 2, bucket.count / base if base else 0, percent)
        if dist.total is not None:
            row += 1
            sheet.write_string(row, 0, "合计", head)
            sheet.write_number(row, 1, dist.total, head)

    if trend is not None:
        parts = [
            ("trend_level", "各年末人数（按分级）", trend.by_level),
            ("trend_group", "各年末人数（按类别）", trend.by_group),
        ]
        for key, title, series in parts:
            if key not in trend_keys:
                continue
            sheet = workbook.add_worksheet(_sheet_name(title, used))
            sheet.set_column(0, 0, 24)
            sheet.set_column(1, len(trend.columns), 14)
            sheet.write_string(0, 0, title, bold)
            sheet.write_string(1, 0, description + "；往年数字取自历史记录")
            sheet.write_string(3, 0, "项目", head)
            for col, (label, _) in enumerate(trend.columns, start=1):
                sheet.write_string(3, col, label, head)
            row = 3
            for label, values in [*series, ("合计", trend.totals)]:
                row += 1
                sheet.write_string(row, 0, label, cell)
                for col, value in enumerate(values, start=1):
                    sheet.write_number(row, col, value, cell)
    workbook.close()
    return used


def structure_export_write(
    *, user, person_filter: PersonFilter, target, only: str = "", request=None
) -> list[str]:
    """Write the analysis (or one table of it) to `target` and audit the export."""
    keys = {only} if only else None
    data = structure(user, person_filter, only=keys - TREND_KEYS if keys else None)
    trend_keys = TREND_KEYS if keys is None else keys & TREND_KEYS
    trend = trends(user, person_filter, current=data.facts["level_group"]) if trend_keys else None
    description = f"{filter_description(person_filter)}；截至{cn_day(person_filter.age_on)}"
    sheets = structure_workbook(
        target, data=data, trend=trend, trend_keys=trend_keys, description=description
    )
    audit_log(
        action=AuditEntry.Action.EXPORT,
        user=user,
        request=request,
        object_type="analysis.structure",
        object_repr="结构分析",
        changes={"filter": person_filter.as_query(), "sheets": sheets, "format": "xlsx"},
    )
    return sheets
