"""Trends from history: the persons at each past year end, from the person
history or the kept year-end counts; and the regions a user may pick."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from tongxin.people.kept import person_groups
from tongxin.people.listing import (
    PersonFilter,
    filtered_persons,
)
from tongxin.people.models import Person
from tongxin.regions import scope
from tongxin.regions.models import Region

from ..models import YearEndCount, YearEndSnapshot
from .distributions import TREND_YEARS, cn_day

# --- trends from history -------------------------------------------------------------


@dataclass
class Trend:
    columns: list[tuple[str, datetime.date]]  # (label, day)
    by_level: list[tuple[str, list[int]]]
    by_group: list[tuple[str, list[int]]]
    totals: list[int]


def year_ends(today: datetime.date, years: int = TREND_YEARS) -> list[datetime.date]:
    return [datetime.date(today.year - n, 12, 31) for n in range(years, 0, -1)]


def history_counts(year_end: datetime.date) -> QuerySet:
    """(region, level, group, n) of the persons active at the end of `year_end`:
    each person's latest history row dated up to that day, if not a deletion."""
    history = Person.history.model
    start_of_next_day = timezone.make_aware(
        datetime.datetime.combine(year_end + datetime.timedelta(days=1), datetime.time())
    )
    latest = (
        history.objects.filter(history_date__lt=start_of_next_day)
        .order_by()
        .values("id")
        .annotate(last=Max("history_id"))
        .values("last")
    )
    return (
        history.objects.filter(history_id__in=latest, status=Person.Status.ACTIVE)
        .exclude(history_type="-")
        .order_by()
        .values("region_id", "level", "group_id")
        .annotate(n=Count("history_id"))
        .values_list("region_id", "level", "group_id", "n")
    )


def year_end_counts(year_end: datetime.date) -> QuerySet | None:
    """The kept counts of a finished year's end (analysis/services.py keeps
    them from the worker); None until they are kept. A page never writes them."""
    snapshot = YearEndSnapshot.objects.filter(year_end=year_end).first()
    if snapshot is None:
        return None
    return YearEndCount.objects.filter(snapshot=snapshot).values_list(
        "region_id", "level", "group_id", "count"
    )


def kept_year_end_rows(days: list[datetime.date]) -> dict[datetime.date, list[tuple]]:
    """`year_end_counts` of each of `days` whose counts are kept, in one query
    (one per year was 10 of the analysis page's 26 queries). A kept year
    without a person has no counts and reads as []."""
    rows: dict[datetime.date, list[tuple]] = {}
    kept = YearEndSnapshot.objects.filter(year_end__in=days).values_list(
        "year_end", "counts__region_id", "counts__level", "counts__group_id", "counts__count"
    )
    for day, region, level, group, n in kept:
        day_rows = rows.setdefault(day, [])
        if region is not None:  # the outer join's row of a snapshot without counts
            day_rows.append((region, level, group, n))
    return rows


def _year_end_rows(user, f: PersonFilter, year_end: datetime.date, rows):
    """`rows` are the year end's kept counts; None for a year not kept yet, or not over."""
    if rows is None:
        rows = history_counts(year_end)
    readable = scope.read_scope(user)
    for region, level, group, n in rows:
        if not readable.contains(region):
            continue  # by the region the person belonged to then
        if f.region and region != f.region:
            continue
        if f.group and group != f.group:
            continue
        if f.level and level != f.level:
            continue
        yield level, group, n


def trends(
    user,
    person_filter: PersonFilter,
    *,
    today: datetime.date | None = None,
    current: dict[tuple[str, int], int] | None = None,
) -> Trend:
    """Active persons by level and by group at each of the last year ends (from
    history) and today (the list's own query, or its `facts` when given)."""
    today = today or timezone.localdate()
    f = PersonFilter(
        region=person_filter.region,
        group=person_filter.group,
        level=person_filter.level,
        status=Person.Status.ACTIVE,
    )
    columns = [(f"{day:%Y}年末", day) for day in year_ends(today)]
    per_column: list[dict[tuple[str, int], int]] = []
    kept = kept_year_end_rows([day for _, day in columns if day < today])
    for _, day in columns:
        counts: dict[tuple[str, int], int] = {}
        for level, group, n in _year_end_rows(user, f, day, kept.get(day)):
            counts[level, group] = counts.get((level, group), 0) + n
        per_column.append(counts)
    if current is None:
        qs, _ = filtered_persons(user, f)
        rows = qs.order_by().values_list("level", "group_id").annotate(n=Count("pk"))
        current = {(level, group): n for level, group, n in rows}
    per_column.append(dict(current))
    columns.append((cn_day(today), today))

    def series(index: int, keys) -> list[tuple[str, list[int]]]:
        return [
            (label, [sum(n for k, n in c.items() if k[index] == value) for c in per_column])
            for value, label in keys
        ]

    groups = [(g.pk, g.short_name or g.name) for g in person_groups()]
    by_group = [row for row in series(1, groups) if any(row[1])]
    return Trend(
        columns=columns,
        by_level=series(0, Person.Level.choices),
        by_group=by_group,
        totals=[sum(c.values()) for c in per_column],
    )


def visible_regions(user) -> list[Region]:
    """The active regions `user` may choose, in the tree's order (the kept
    rows, regions/scope.py: shared, read only)."""
    return [region for region in scope.read_scope(user).region_rows() if region.is_active]
