"""The eligibility report: who fails which qualification condition.

Which persons are listed, and how many fail each condition, is decided by
the database (`condition_fails_q`); the conditions named on each row come
from `person_check` on the rows actually shown. Tests hold the two to the
same answers.
"""

import datetime
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from tongxin.core.exporting import Table, XlsxBook
from tongxin.people.listing import PersonFilter, filtered_persons
from tongxin.people.models import Person

from .checks import CheckContext, Failure, condition_fails_q, person_check
from .models import Condition


@dataclass
class Row:
    person: Person
    failures: list[Failure]


def any_fails_q(conditions: list[Condition], ctx: CheckContext) -> Q:
    q = Q(pk__in=[])
    for condition in conditions:
        q |= condition_fails_q(condition, ctx)
    return q


def eligibility_base(user, person_filter: PersonFilter) -> QuerySet[Person]:
    """Active persons `user` may see, narrowed by the person-list filter."""
    person_filter.status = Person.Status.ACTIVE
    qs, _hint = filtered_persons(user, person_filter)
    return qs


def failing_persons(
    base: QuerySet[Person], conditions: list[Condition], ctx: CheckContext
) -> QuerySet[Person]:
    if not conditions:
        return base.none()
    return base.filter(any_fails_q(conditions, ctx))


def failure_counts(
    base: QuerySet[Person], conditions: list[Condition], ctx: CheckContext
) -> tuple[int, dict[int, int]]:
    """(persons failing any condition, {condition id: persons failing it}) in one query."""
    if not conditions:
        return 0, {}
    aggregates = {f"c{c.pk}": Count("id", filter=condition_fails_q(c, ctx)) for c in conditions}
    aggregates["total"] = Count("id", filter=any_fails_q(conditions, ctx))
    result = base.aggregate(**aggregates)
    return result["total"], {c.pk: result[f"c{c.pk}"] for c in conditions}


def rows_for(persons, conditions: list[Condition], ctx: CheckContext) -> list[Row]:
    return [Row(p, person_check(p, conditions, on=ctx.on, context=ctx)) for p in persons]


EXPORT_COLUMNS = [
    ("姓名", 10),
    ("性别", 6),
    ("出生日期", 12),
    ("所属区域", 14),
    ("人员类别", 30),
    ("细分类别", 18),
    ("分级", 12),
    ("政治面貌", 12),
    ("从业起始年份", 12),
    ("不符合的条件", 60),
]


def _export_values(row: Row) -> list:
    p = row.person
    return [
        p.name,
        p.get_sex_display(),
        p.birth_date.isoformat() if p.birth_date else "",
        p.region.name,
        p.group.name,
        p.subcategory.name if p.subcategory else "",
        p.get_level_display(),
        p.political_status.name,
        p.career_start_year or "",
        "；".join(("待补充：" if f.missing else "") + f.message for f in row.failures),
    ]


def iter_export_rows(
    qs: QuerySet[Person], conditions: list[Condition], ctx: CheckContext
) -> Iterator[Row]:
    persons = qs.select_related("region", "group", "subcategory", "political_status").order_by("id")
    for person in persons.iterator(chunk_size=2000):
        yield Row(person, person_check(person, conditions, on=ctx.on, context=ctx))


def write_xlsx(rows, *, on: datetime.date, title: str) -> tuple[tempfile.SpooledTemporaryFile, int]:
    """The report as an xlsx file (rewound) and the number of persons in it."""
    out = tempfile.TemporaryFile()
    with XlsxBook(out) as book:
        count = book.table(
            Table(
                name="不符合资格条件人员",
                title=f"{title}（基准日期：{on.year}年{on.month}月{on.day}日）",
                headers=[label for label, _ in EXPORT_COLUMNS],
                widths=[width for _, width in EXPORT_COLUMNS],
                rows=(_export_values(row) for row in rows),
            )
        )
    out.seek(0)
    return out, count
