"""The figures of the structure analysis.

Every distribution is summed from grouped counts over `filtered_persons`, the
query the person list runs, and every bucket carries the list filter that
selects exactly its persons. So a figure on a chart and the total of the list
it links to cannot disagree.

Trends read the person history instead: the state of each person at a past
year end is their latest history row up to that day.
"""

import datetime
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlencode

from django.apps import apps
from django.db.models import Case, Count, Exists, Max, OuterRef, Q, QuerySet, Value, When
from django.urls import get_script_prefix, reverse
from django.utils import timezone

from tongxin.core.kept_counts import kept_counts
from tongxin.core.versioned_cache import data_version, remembered
from tongxin.people.listing import (
    PersonFilter,
    age_band_q,
    filtered_persons,
    parse_age_band,
)
from tongxin.people.models import (
    Education,
    Ethnicity,
    Person,
    PersonGroup,
    PoliticalStatus,
    SubCategory,
)
from tongxin.regions import scope
from tongxin.regions.models import Region
from tongxin.regions.scope import read_scope

from .models import YearEndCount, YearEndSnapshot

AGE_BANDS = [
    ("-35", "35岁及以下"),
    ("36-45", "36—45岁"),
    ("46-55", "46—55岁"),
    ("56-60", "56—60岁"),
    ("61-", "60岁以上"),
]
TOP_ETHNICITIES = 5
TREND_YEARS = 5
NONE = "none"


def cn_day(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass
class Bucket:
    label: str
    count: int
    params: dict[str, str] | None  # the person-list filter of exactly these persons
    share: str = ""  # of the persons counted, e.g. "12.5%"

    @property
    def url(self) -> str:
        if self.params is None:
            return ""
        return _person_list_path(get_script_prefix()) + "?" + urlencode(self.params)


@lru_cache(maxsize=16)
def _person_list_path(script_prefix: str) -> str:
    """The person list's path under `script_prefix`: reversed once, not once
    per bucket (about 200 buckets link to it on the analysis page)."""
    return reverse("people:list")


# Characters of axis labels a bar chart's width holds in a row (half the page
# at 1366 px, 12 px type): more, and the bars are drawn horizontally.
HORIZONTAL_AFTER_CHARS = 36


@dataclass
class Distribution:
    key: str
    title: str
    buckets: list[Bucket]
    chart: str = "bar"  # bar | pie
    note: str = ""
    total: int | None = None  # persons counted; None when a person may count in several buckets

    @property
    def drawn_as(self) -> str:
        """bar, pie, or hbar: bars whose labels would not fit side by side under
        the axis (the 细分类别 names overlapped even rotated) lie horizontally,
        one label per line."""
        if self.chart != "bar":
            return self.chart
        widest = max((len(b.label) for b in self.buckets), default=0)
        if len(self.buckets) * max(widest, 2) > HORIZONTAL_AFTER_CHARS:
            return "hbar"
        return "bar"

    def as_chart(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "chart": self.drawn_as,
            "labels": [b.label for b in self.buckets],
            "values": [b.count for b in self.buckets],
            "urls": [b.url for b in self.buckets],
        }


@dataclass
class Structure:
    person_filter: PersonFilter
    total: int
    distributions: list[Distribution] = field(default_factory=list)
    facts: dict = field(default_factory=dict)


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


def _names(model) -> dict[int, str]:
    return dict(model.objects.values_list("id", "name"))


def structure(user, person_filter: PersonFilter, *, only: set[str] | None = None) -> Structure:
    qs, _ = filtered_persons(user, person_filter)
    qs = qs.order_by()
    # Positions and grades depend on the persons too: their cache keys include this one.
    version = data_version(Person)
    persons_key = _persons_key(user, person_filter, version)
    rows = facts(user, person_filter)
    result = Structure(person_filter=person_filter, total=rows["total"])
    result.facts = rows
    builders = [
        ("age", _age),
        ("sex", _sex),
        ("ethnicity", _ethnicity),
        ("education", _education),
        ("political_status", _political_status),
        ("group", _group),
        ("subcategory", _subcategory),
    ]
    for key, build in builders:
        if only is None or key in only:
            result.distributions.append(build(rows, person_filter))
    if only is None or "position" in only:
        result.distributions.append(_positions(qs, person_filter, persons_key))
    if only is None or "grade" in only:
        result.distributions.append(_grades(qs, person_filter, result.total, persons_key))
    result.distributions = [d for d in result.distributions if d is not None]
    for distribution in result.distributions:
        base = distribution.total if distribution.total is not None else result.total
        for bucket in distribution.buckets:
            bucket.share = f"{bucket.count / base:.1%}" if base else "—"
    return result


def _age(rows, f: PersonFilter) -> Distribution:
    on = f.age_on
    counts = _grouped(rows, "age_band")
    buckets = [
        Bucket(label, counts.get(band, 0), _params(f, age=band, on=on.isoformat()))
        for band, label in AGE_BANDS
    ]
    return Distribution(
        "age",
        "年龄结构",
        buckets,
        note=f"按{cn_day(on)}的周岁计算",
        total=sum(b.count for b in buckets),
    )


def _sex(rows, f: PersonFilter) -> Distribution:
    counts = _grouped(rows, "sex")
    buckets = [
        Bucket(label, counts.get(value, 0), _params(f, sex=value))
        for value, label in Person.Sex.choices
    ]
    return Distribution("sex", "性别结构", buckets, chart="pie", total=sum(counts.values()))


def _ethnicity(rows, f: PersonFilter) -> Distribution:
    counts = _grouped(rows, "ethnicity_id")
    names = _names(Ethnicity)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    buckets = [
        Bucket(names.get(pk, "?"), n, _params(f, ethnicity=pk))
        for pk, n in ranked[:TOP_ETHNICITIES]
    ]
    rest = ranked[TOP_ETHNICITIES:]
    if rest:
        ids = ",".join(str(pk) for pk, _ in sorted(rest))
        buckets.append(Bucket("其他民族", sum(n for _, n in rest), _params(f, ethnicity=ids)))
    return Distribution(
        "ethnicity",
        "民族结构",
        buckets,
        chart="pie",
        note=f"人数最多的{TOP_ETHNICITIES}个民族，其余合为“其他民族”",
        total=sum(counts.values()),
    )


def _dictionary(rows, f, *, key, column, model, title, none_label, chart="bar"):
    counts = _grouped(rows, column)
    buckets = []
    for entry in model.objects.all():
        if entry.pk in counts:
            buckets.append(Bucket(str(entry), counts[entry.pk], _params(f, **{key: entry.pk})))
    if counts.get(None):
        buckets.append(Bucket(none_label, counts[None], _params(f, **{key: NONE})))
    return Distribution(key, title, buckets, chart=chart, total=sum(counts.values()))


def _education(rows, f):
    return _dictionary(
        rows,
        f,
        key="education",
        column="education_id",
        model=Education,
        title="学历结构",
        none_label="未填写",
    )


def _political_status(rows, f):
    return _dictionary(
        rows,
        f,
        key="political_status",
        column="political_status_id",
        model=PoliticalStatus,
        title="政治面貌",
        none_label="未填写",
    )


def _group(rows, f):
    counts = _grouped(rows, "group_id")
    buckets = [
        Bucket(g.short_name or g.name, counts[g.pk], _params(f, group=g.pk))
        for g in PersonGroup.objects.all()
        if g.pk in counts
    ]
    return Distribution("group", "人员类别", buckets, chart="pie", total=sum(counts.values()))


def _subcategory(rows, f):
    counts = _grouped(rows, "subcategory_id")
    buckets = [
        Bucket(s.name, counts[s.pk], _params(f, subcategory=s.pk))
        for s in SubCategory.objects.select_related("group")
        if s.pk in counts
    ]
    if counts.get(None):
        buckets.append(Bucket("未细分", counts[None], _params(f, subcategory=NONE)))
    return Distribution("subcategory", "细分类别", buckets, total=sum(counts.values()))


def _model(label: str):
    """A model of an app built alongside this one, or None while it is not installed."""
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _positions(qs, f, persons_key: tuple) -> Distribution | None:
    position_model = _model("engagement.Position")
    if position_model is None:
        return None
    from tongxin.engagement.models import PositionType, current_positions_q

    def count() -> dict:
        return dict(
            # EXISTS per position, not IN (the persons): SQLite would first list
            # every matching person (≈250 ms at a million) even for no positions.
            position_model.objects.filter(
                current_positions_q(), Exists(qs.filter(pk=OuterRef("person_id")))
            )
            .order_by()
            .values("type")
            .annotate(n=Count("person", distinct=True))
            .values_list("type", "n")
        )

    # Today is part of the key: a term that starts or ends overnight changes
    # the count without any row changing.
    parts = (persons_key, data_version(position_model), timezone.localdate())
    counts = remembered("analysis:positions", parts, count)
    buckets = [
        Bucket(label, counts.get(value, 0), _params(f, position=value))
        for value, label in PositionType.choices
    ]
    return Distribution(
        "position",
        "现任政治安排与社会职务",
        buckets,
        note="同一人担任多类职务的，在每类中各计一次",
    )


def _grades(qs, f, total: int, persons_key: tuple) -> Distribution | None:
    """Each person's grade in their latest closed round, as `latest_grade_subquery` (evaluations)
    picks it, read from the (small) results table rather than per person."""
    result_model = _model("evaluations.RoundResult")
    if result_model is None:
        return None
    from tongxin.evaluations.models import EvaluationRound
    from tongxin.people.listing import GRADES

    def count() -> dict:
        latest: dict[int, tuple] = {}
        results = result_model.objects.filter(
            Exists(qs.filter(pk=OuterRef("person_id"))),
            round__status=EvaluationRound.Status.CLOSED,
        ).values_list("person_id", "round__closed_at", "round_id", "grade")
        for person_id, closed_at, round_id, grade in results.iterator(chunk_size=5000):
            key = (closed_at is not None, closed_at, round_id)
            if person_id not in latest or key > latest[person_id][0]:
                latest[person_id] = (key, grade)
        counts: dict[str, int] = {}
        for _, grade in latest.values():
            counts[grade] = counts.get(grade, 0) + 1
        return counts

    results = result_model.objects.aggregate(last=Max("id"), n=Count("id"))
    rounds = EvaluationRound.history.aggregate(last=Max("history_id"))["last"]
    counts = remembered("analysis:grades", (persons_key, results, rounds), count)
    graded = sum(counts.get(g, 0) for g in GRADES)
    buckets = [Bucket(f"{g}级", counts.get(g, 0), _params(f, grade=g)) for g in GRADES]
    buckets.append(Bucket("未评价", total - graded, _params(f, grade=NONE)))
    return Distribution(
        "grade",
        "最近一次综合评价等次",
        buckets,
        note="各人最近一个已结束评价批次的等次",
        total=total,
    )


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


def _year_end_rows(user, f: PersonFilter, year_end: datetime.date, today: datetime.date):
    rows = year_end_counts(year_end) if year_end < today else None
    if rows is None:  # not kept yet, or the year is not over
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
    for _, day in columns:
        counts: dict[tuple[str, int], int] = {}
        for level, group, n in _year_end_rows(user, f, day, today):
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

    groups = [(g.pk, g.short_name or g.name) for g in PersonGroup.objects.all()]
    by_group = [row for row in series(1, groups) if any(row[1])]
    return Trend(
        columns=columns,
        by_level=series(0, Person.Level.choices),
        by_group=by_group,
        totals=[sum(c.values()) for c in per_column],
    )


def visible_regions(user) -> QuerySet[Region]:
    return scope.readable_regions(user).filter(is_active=True)
