"""The structure analysis as a workbook: one sheet per table on the page."""

import datetime

from django.db import transaction

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core.exporting import Table, XlsxBook
from tongxin.people.listing import PersonFilter

from .models import YearEndCount, YearEndSnapshot
from .selectors import Structure, Trend, cn_day, history_counts, structure, trends, year_ends

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


def structure_workbook(
    target, *, data: Structure, trend: Trend | None, trend_keys: set[str], description: str
) -> list[str]:
    """Write the tables to `target` (a label such as "=1+1" or "-35" stays text);
    returns the sheet names."""
    with XlsxBook(target) as book:
        for dist in data.distributions:
            base = dist.total if dist.total is not None else data.total
            book.table(
                Table(
                    name=dist.title,
                    title=dist.title,
                    notes=[description, dist.note],
                    header_row=4,
                    headers=["项目", "人数", "占比"],
                    widths=[24, 10, 10],
                    formats=[None, None, "0.0%"],
                    ruled=True,
                    rows=([b.label, b.count, b.count / base if base else 0] for b in dist.buckets),
                    total=["合计", dist.total] if dist.total is not None else None,
                )
            )
        if trend is not None:
            parts = [
                ("trend_level", "各年末人数（按分级）", trend.by_level),
                ("trend_group", "各年末人数（按类别）", trend.by_group),
            ]
            for key, title, series in parts:
                if key not in trend_keys:
                    continue
                book.table(
                    Table(
                        name=title,
                        title=title,
                        notes=[description + "；往年数字取自历史记录"],
                        header_row=3,
                        headers=["项目", *(label for label, _ in trend.columns)],
                        widths=[24, *([14] * len(trend.columns))],
                        ruled=True,
                        rows=(
                            [label, *values] for label, values in [*series, ("合计", trend.totals)]
                        ),
                    )
                )
    return book.names


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
