"""The distributions of the structure page, each summed from the cube, each
bucket linking to the person list that selects exactly its persons."""

import datetime
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from urllib.parse import urlencode

from django.apps import apps
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import Count, Exists, Max, OuterRef
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from tongxin.core.versioned_cache import data_version, remembered
from tongxin.people.kept import dictionary_entries, person_groups, subcategories
from tongxin.people.listing import (
    PersonFilter,
    filtered_persons,
)
from tongxin.people.models import Person

from .cube import AGE_BANDS, _grouped, _params, _persons_key, facts

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

    @property
    def rows_html(self) -> SafeString:
        """The body of the distribution's table on the page, escaped by hand:
        drawn in a template loop, the page's ~70 rows were a third of its
        template time. The same markup the loop made."""
        if not self.buckets:
            return mark_safe('<tr><td colspan="3" class="text-muted">没有数据</td></tr>\n        ')
        rows = []
        for b in self.buckets:
            label = escape(b.label)
            url = b.url
            if url:
                label = f'<a href="{escape(url)}">{label}</a>'
            rows.append(
                f"\n          <tr><td>{label}</td>\n"
                f'            <td class="text-end" data-count="{b.count}">{intcomma(b.count)}</td>\n'
                f'            <td class="text-end">{escape(b.share)}</td></tr>\n        '
            )
        return mark_safe("".join(rows))

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
    names = {entry.pk: entry.name for entry in dictionary_entries("ethnicity")}
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


def _dictionary(rows, f, *, key, column, title, none_label, chart="bar"):
    """The buckets of a dictionary the person points to (`key`), in the
    dictionary's order; its entries are the kept rows (people/kept.py)."""
    counts = _grouped(rows, column)
    buckets = []
    for entry in dictionary_entries(key):
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
        title="学历结构",
        none_label="未填写",
    )


def _political_status(rows, f):
    return _dictionary(
        rows,
        f,
        key="political_status",
        column="political_status_id",
        title="政治面貌",
        none_label="未填写",
    )


def _group(rows, f):
    counts = _grouped(rows, "group_id")
    buckets = [
        Bucket(g.short_name or g.name, counts[g.pk], _params(f, group=g.pk))
        for g in person_groups()
        if g.pk in counts
    ]
    return Distribution("group", "人员类别", buckets, chart="pie", total=sum(counts.values()))


def _subcategory(rows, f):
    counts = _grouped(rows, "subcategory_id")
    buckets = [
        Bucket(s.name, counts[s.pk], _params(f, subcategory=s.pk))
        for s in subcategories()
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
