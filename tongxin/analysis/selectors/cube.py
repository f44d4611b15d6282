"""The one grouped count over the persons a user sees (the cube) and its
folding into the cells the distributions read."""

import datetime

from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.utils import timezone

from tongxin.core.kept_counts import kept_counts
from tongxin.people.listing import (
    PersonFilter,
    age_band_q,
    filtered_persons,
    parse_age_band,
)
from tongxin.people.models import Person
from tongxin.regions.scope import read_scope

AGE_BANDS = [
    ("-35", "35岁及以下"),
    ("36-45", "36—45岁"),
    ("46-55", "46—55岁"),
    ("56-60", "56—60岁"),
    ("61-", "60岁以上"),
]


def page_filter(params) -> PersonFilter:
    """The analysis page's choices as a person-list filter: region, group, level,
    the day ages are counted at; always the persons in the database (在库)."""
    parsed = PersonFilter.from_query(params)
    return PersonFilter(
        region=parsed.region,
        group=parsed.group,
        level=parsed.level,
        on=parsed.on or timezone.localdate(),
        status=Person.Status.ACTIVE,
        errors=[e for e in parsed.errors if "年龄计算日" in e or "“所属区域”" in e],
    )


def _params(person_filter: PersonFilter, **bucket) -> dict[str, str]:
    query = person_filter.as_query()
    query.pop("sort", None)
    if "age" not in bucket:
        query.pop("on", None)  # the day only matters to an age band
    query.update({k: str(v) for k, v in bucket.items()})
    return query


# The cube: active persons the user sees, grouped by these columns (a few
# thousand to a few tens of thousands of rows at a million persons). The page's
# region / group / level choices are the first three, so every filter is a sum
# over the cube and one count serves all of them.
CUBE_COLUMNS = (
    "region_id",
    "level",
    "group_id",
    "sex",
    "ethnicity_id",
    "education_id",
    "political_status_id",
)
FACT_COLUMNS = ("level", "group_id", "subcategory_id", *CUBE_COLUMNS[3:])


def _scope(user) -> QuerySet:
    """The person list's query for every active person `user` sees (no other filter)."""
    qs, _ = filtered_persons(user, PersonFilter(status=Person.Status.ACTIVE))
    return qs.order_by()


def _persons_key(user, person_filter: PersonFilter, version: tuple) -> tuple:
    """Names the persons a figure was counted from: who sees which regions, the
    filter, the day and the persons' data version (every write to a person adds
    a history row, so any change makes a new key and the next page counts afresh)."""
    chosen = sorted(person_filter.as_query().items())
    return (read_scope(user).key, chosen, person_filter.age_on, version)


def _younger_than(on: datetime.date) -> dict[int, Q]:
    """{a: persons aged at most `a` at `on`} for each end of an age band: each
    band is then a difference of two of these counts, with the list's own
    `age_band_q` boundaries."""
    ends = set()
    for value, _ in AGE_BANDS:
        low, high = parse_age_band(value)
        ends |= {a for a in (high, low - 1 if low is not None else None) if a is not None}
    return {a: age_band_q((None, a), on) for a in sorted(ends)}


def facts(user, person_filter: PersonFilter) -> dict:
    """Counts of the filtered persons per value of each charted column.

    Two grouped counts over the person list's query for everything the user
    sees: the quota page's (region, level, group, subcategory) count and the
    cube above with the age band ends as conditional counts. Both walk one
    covering index each (docs/benchmarks/analysis.md), are kept current from
    the person history (kept_counts), and serve every region / group / level choice:
    the filter is applied here, to grouped columns, so each bucket still counts
    exactly the persons its list link selects.
    """
    chosen = set(person_filter.as_query()) - {"sort", "on"}
    if (
        chosen - {"region", "group", "level", "status"}
        or person_filter.status != Person.Status.ACTIVE
    ):
        # The counts are grouped by region, level and group only (see page_filter).
        raise ValueError(f"facts() counts active persons by region, group and level: {chosen}")
    on = person_filter.age_on
    scope = _scope(user)
    subcategories = kept_counts(
        scope.values_list("region_id", "level", "group_id", "subcategory_id").annotate(
            n=Count("*")
        ),
        models=(Person,),
    )
    ends = _younger_than(on)
    cells = kept_counts(
        scope.values_list(*CUBE_COLUMNS).annotate(
            n=Count("*"),
            # COUNT(CASE …) rather than COUNT(*) FILTER: a third cheaper on SQLite.
            **{f"upto_{a}": Count(Case(When(q, then=Value(1)))) for a, q in ends.items()},
        ),
        models=(Person,),
        fold=lambda cube: _cells(cube, len(ends)),
    )
    return _fold(person_filter, subcategories, cells, list(ends))


def _cells(cube: dict, ends: int) -> dict:
    """The cube summed per (region, level, group): {cell: {column: {value: n}},
    "upto": [n per band end]}; at most a few hundred cells, quick to sum per filter.
    Summed again over the whole cube (about 40,000 rows at 1M persons) after
    every change, so the loop is kept tight (a third less CPU than a loop over
    named columns)."""
    columns = CUBE_COLUMNS[3:]
    cells: dict = {}
    for key, row in cube.items():
        cell = cells.get(key[:3])
        if cell is None:
            cell = cells[key[:3]] = ([{} for _ in columns], [0] * ends)
        sums, upto = cell
        n = row[0]
        for counts, value in zip(sums, key[3:], strict=True):
            counts[value] = counts.get(value, 0) + n
        for i in range(ends):
            upto[i] += row[i + 1]
    return {
        cell: {**dict(zip(columns, sums, strict=True)), "upto": upto}
        for cell, (sums, upto) in cells.items()
    }


def _fold(f: PersonFilter, subcategories: dict, cells: dict, ends: list[int]) -> dict:
    """The marginals of the persons `f` selects, from the counts of everything the user sees."""

    def chosen(region, level, group) -> bool:
        return (
            (f.region is None or region == f.region)
            and (f.group is None or group == f.group)
            and (not f.level or level == f.level)
        )

    marginals: dict = {column: {} for column in (*FACT_COLUMNS, "age_band", "level_group")}

    def add(column: str, value, n: int) -> None:
        counts = marginals[column]
        counts[value] = counts.get(value, 0) + n

    total = 0
    for (region, level, group, subcategory), n in subcategories.items():
        if chosen(region, level, group):
            total += n
            add("level", level, n)
            add("group_id", group, n)
            add("subcategory_id", subcategory, n)
            add("level_group", (level, group), n)
    upto = [0] * len(ends)
    for (region, level, group), cell in cells.items():
        if chosen(region, level, group):
            for column in CUBE_COLUMNS[3:]:
                for value, n in cell[column].items():
                    add(column, value, n)
            upto = [a + b for a, b in zip(upto, cell["upto"], strict=True)]
    younger_than = dict(zip(ends, upto, strict=True))
    for value, _ in AGE_BANDS:
        low, high = parse_age_band(value)
        younger = younger_than[high] if high is not None else total
        older = younger_than[low - 1] if low is not None else 0
        add("age_band", value, younger - older)
    marginals["total"] = total
    return marginals


def _grouped(facts: dict, column: str) -> dict:
    return facts[column]
