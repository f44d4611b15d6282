"""The person list's one query path: filters, search, sort and keyset pages.

Every list, export and count over persons should build its queryset with
`filtered_persons`, so a number on a chart always equals what the list shows
for the same filter.
"""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from tongxin.core.paths import path_for_key
from tongxin.core.versioned_cache import data_version, remembered
from tongxin.regions import scope
from tongxin.regions.scope import read_scope

from .access import persons_visible_to
from .completeness import to_complete_q
from .kept import attach_related
from .keyset import DEFAULT_SORT, SORTS
from .models import Person, PersonGroup, SubCategory
from .search import search_persons

FILTER_FIELDS = {
    "region": "region_id",
    "group": "group_id",
    "subcategory": "subcategory_id",
    "level": "level",
    "status": "status",
}


@dataclass(frozen=True)
class ListFilter:
    """A filter over persons whose data lives in another app.

    people imports none of its satellites (the layer contracts in
    pyproject.toml), so they register these in their AppConfig.ready():
    engagement the current position, evaluations the latest grade, levels
    the tiers held.
    """

    label: str  # as in "筛选条件“现任职务”无效" and "现任职务：…"
    apply: Callable[[QuerySet, str], QuerySet]  # the persons matching the value
    valid: Callable[[str], bool] = lambda value: True
    describe: Callable[[str], str] = str  # the value as the audit log and reports show it


LIST_FILTERS: dict[str, ListFilter] = {}


def register_list_filter(name: str, list_filter: ListFilter) -> None:
    """Add the filter behind PersonFilter's field `name` ("position", "grade")."""
    LIST_FILTERS[name] = list_filter


def _list_filter_valid(name: str, value: str) -> bool:
    list_filter = LIST_FILTERS.get(name)
    return list_filter is not None and list_filter.valid(value)


@dataclass
class PersonFilter:
    """The filter a user chose, parsed from the query string."""

    q: str = ""
    region: int | None = None
    group: int | None = None
    subcategory: int | str | None = None  # an id, or "none"
    level: str = ""
    status: str = Person.Status.ACTIVE
    sort: str = DEFAULT_SORT
    position: str = ""  # holds a current position of this type (engagement.PositionType)
    tier: str = ""  # holds this tier (the id of a levels.Tier, a node's 分级)
    # Filters the structure analysis links to (tongxin/analysis); "none" = not filled in.
    sex: str = ""
    ethnicity: list[int] = field(default_factory=list)  # any of these
    education: str = ""  # an id or "none"
    political_status: int | None = None
    age: str = ""  # an age band "36-45", "-35" or "61-", in whole years at `on`
    on: datetime.date | None = None  # the day ages are counted at; today when empty
    grade: str = ""  # the grade of the latest closed evaluation round, or "none"
    incomplete: bool = False  # only persons with fields to complete (people/completeness.py)
    stale: bool = False  # not confirmed for a year (LIST_FILTERS["stale"], tongxin/dedupe)
    ids: list[int] = field(
        default_factory=list
    )  # rows chosen one by one on the list (people/bulk.py)
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, params) -> "PersonFilter":
        f = cls(q=(params.get("q") or "").strip()[:100])
        for name in ("region", "group", "subcategory"):
            raw = params.get(name)
            if raw == "none" and name == "subcategory":
                f.subcategory = "none"  # persons with no sub-category
            elif raw:
                try:
                    setattr(f, name, int(raw))
                except ValueError:
                    label = Person._meta.get_field(name).verbose_name
                    f.errors.append(f"筛选条件“{label}”无效")
        level = params.get("level", "")
        if level in Person.Level.values:
            f.level = level
        status = params.get("status", Person.Status.ACTIVE)
        # "all" shows archived and active together.
        f.status = status if status in {*Person.Status.values, "all"} else Person.Status.ACTIVE
        sort = params.get("sort", DEFAULT_SORT)
        f.sort = sort if sort in SORTS else DEFAULT_SORT
        position = params.get("position", "")
        if position:
            if _list_filter_valid("position", position):
                f.position = position
            else:
                f.errors.append("筛选条件“现任职务”无效")
        tier = params.get("tier", "")
        if tier:
            if _list_filter_valid("tier", tier):
                f.tier = tier
            else:
                f.errors.append("筛选条件“所在分级”无效")
        f._parse_analysis_filters(params)
        f._parse_ids(params)
        return f

    def _parse_ids(self, params) -> None:
        """ids=3,8,15 (a link) or ids=3&ids=8 (the list's checkboxes)."""
        values = params.getlist("ids") if hasattr(params, "getlist") else [params.get("ids", "")]
        raw = [part for value in values for part in (value or "").split(",") if part]
        if not raw:
            return
        if len(raw) > MAX_CHOSEN_IDS or not all(part.isdigit() for part in raw):
            self.errors.append(f"所选人员无效（一次最多选择{MAX_CHOSEN_IDS}人）")
            return
        self.ids = sorted({int(part) for part in raw})

    def _parse_analysis_filters(self, params) -> None:
        sex = params.get("sex", "")
        if sex in Person.Sex.values:
            self.sex = sex
        elif sex:
            self.errors.append("筛选条件“性别”无效")
        raw = params.get("ethnicity", "")
        if raw:
            try:
                self.ethnicity = sorted({int(part) for part in raw.split(",") if part})
            except ValueError:
                self.errors.append("筛选条件“民族”无效")
        raw = params.get("education", "")
        if raw == "none" or raw.isdigit():
            self.education = raw
        elif raw:
            self.errors.append("筛选条件“学历”无效")
        raw = params.get("political_status", "")
        if raw.isdigit():
            self.political_status = int(raw)
        elif raw:
            self.errors.append("筛选条件“政治面貌”无效")
        raw = params.get("on", "")
        if raw:
            try:
                self.on = datetime.date.fromisoformat(raw)
            except ValueError:
                self.errors.append("筛选条件“年龄计算日”无效，应为 2026-11-22 这样的日期")
        raw = params.get("age", "")
        if raw:
            if parse_age_band(raw) is None:
                self.errors.append("筛选条件“年龄段”无效，应为 36-45、-35 或 61- 这样的写法")
            else:
                self.age = raw
        raw = params.get("incomplete", "")
        if raw == "1":
            self.incomplete = True
        elif raw == "stale" and "stale" in LIST_FILTERS:
            self.stale = True
        elif raw:
            self.errors.append("筛选条件“待补充信息”无效")
        raw = params.get("grade", "")
        if raw == "none" or raw in GRADES:
            self.grade = raw
        elif raw:
            self.errors.append("筛选条件“最近评价等次”无效")

    def as_query(self) -> dict[str, str]:
        result = {}
        names = (
            "q",
            "region",
            "group",
            "subcategory",
            "level",
            "status",
            "sort",
            "position",
            "tier",
        )
        for name in names:
            value = getattr(self, name)
            if value not in (None, ""):
                result[name] = str(value)
        for name in ("sex", "education", "political_status", "age", "on", "grade"):
            value = getattr(self, name)
            if value not in (None, ""):
                result[name] = value.isoformat() if name == "on" else str(value)
        if self.ethnicity:
            result["ethnicity"] = ",".join(map(str, self.ethnicity))
        if self.incomplete:
            result["incomplete"] = "1"
        elif self.stale:
            result["incomplete"] = "stale"
        if self.ids:
            result["ids"] = ",".join(map(str, self.ids))
        return result

    @property
    def age_on(self) -> datetime.date:
        return self.on or timezone.localdate()

    def description(self) -> str:
        """The filter as a reader of the audit log or a report sees it, e.g.
        "区域：兴宁区；分级：县区联系；状态：在库"."""
        from tongxin.regions.models import Region

        from .models import Education, Ethnicity, PoliticalStatus

        def name(model, pk) -> str:
            entry = model.objects.filter(pk=pk).first()
            return str(entry) if entry else "?"

        parts = []
        if self.q:
            parts.append(f"查找：{self.q}")
        if self.region:
            parts.append(f"区域：{name(Region, self.region)}")
        if self.group:
            parts.append(f"类别：{name(PersonGroup, self.group)}")
        if self.subcategory == "none":
            parts.append("细分类别：未填写")
        elif self.subcategory:
            parts.append(f"细分类别：{name(SubCategory, self.subcategory)}")
        if self.level:
            parts.append(f"分级：{Person.Level(self.level).label}")
        parts.append(
            "状态：全部" if self.status == "all" else f"状态：{Person.Status(self.status).label}"
        )
        if self.position:
            position = LIST_FILTERS["position"]
            parts.append(f"{position.label}：{position.describe(self.position)}")
        if self.tier:
            tier = LIST_FILTERS["tier"]
            parts.append(f"{tier.label}：{tier.describe(self.tier)}")
        if self.sex:
            parts.append(f"性别：{Person.Sex(self.sex).label}")
        if self.ethnicity:
            parts.append("民族：" + "、".join(name(Ethnicity, pk) for pk in self.ethnicity))
        if self.education == "none":
            parts.append("学历：未填写")
        elif self.education:
            parts.append(f"学历：{name(Education, self.education)}")
        if self.political_status:
            parts.append(f"政治面貌：{name(PoliticalStatus, self.political_status)}")
        if self.age:
            parts.append(f"年龄：{self.age}岁（按{self.age_on.isoformat()}计）")
        if self.grade:
            parts.append("最近评价等次：" + ("无" if self.grade == "none" else self.grade))
        if self.incomplete:
            parts.append("待补充信息")
        if self.stale:
            parts.append(LIST_FILTERS["stale"].label)
        if self.ids:
            parts.append(f"逐个选择的{len(self.ids)}人")
        return "；".join(parts)


GRADES = ("A", "B", "C", "D")
# Rows chosen one by one travel in the URL; more than a few pages of them is
# "all matching this filter" instead.
MAX_CHOSEN_IDS = 500
AGE_BAND_RE = re.compile(r"(0|[1-9][0-9]{0,2})?-(0|[1-9][0-9]{0,2})?")


def parse_age_band(text: str) -> tuple[int | None, int | None] | None:
    """Parse an age band: "36-45" → (36, 45), "-35" → (None, 35), "61-" → (61, None).

    None if malformed; only ASCII digits without leading zeros, at most 3.
    """
    match = AGE_BAND_RE.fullmatch(text)
    if match is None or match.group(1) is match.group(2) is None:
        return None
    low, high = (int(g) if g is not None else None for g in match.groups())
    if low is not None and high is not None and low > high:
        return None
    return low, high


def born_by(on: datetime.date, years: int) -> datetime.date:
    """The last birth date of someone who has turned `years` by `on`.

    Born 29 February: in a year without one the birthday falls on 1 March,
    so on 28 February that person is still a year younger.
    """
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


def age_band_q(band: tuple[int | None, int | None], on: datetime.date) -> Q:
    """Persons whose age in whole years at `on` lies in the band (both ends included)."""
    low, high = band
    q = Q()
    if low is not None:
        q &= Q(birth_date__lte=born_by(on, low))
    if high is not None:
        q &= Q(birth_date__gt=born_by(on, high + 1))
    return q


def _apply_analysis_filters(qs: QuerySet, f: PersonFilter) -> QuerySet:
    if f.sex:
        qs = qs.filter(sex=f.sex)
    if f.ethnicity:
        qs = qs.filter(ethnicity_id__in=f.ethnicity)
    if f.education == "none":
        qs = qs.filter(education__isnull=True)
    elif f.education:
        qs = qs.filter(education_id=int(f.education))
    if f.political_status is not None:
        qs = qs.filter(political_status_id=f.political_status)
    if f.age:
        qs = qs.filter(age_band_q(parse_age_band(f.age), f.age_on))
    if f.incomplete:
        qs = qs.filter(to_complete_q())
    if f.stale:
        qs = LIST_FILTERS["stale"].apply(qs, "1")
    if f.grade:
        qs = LIST_FILTERS["grade"].apply(qs, f.grade)
    if f.ids:
        qs = qs.filter(pk__in=f.ids)
    return qs


def filtered_persons(
    user, person_filter: PersonFilter, *, paged: bool = False
) -> tuple[QuerySet, str]:
    """(queryset, search hint) of the persons `user` may see that match the filter.

    `paged=True` when the queryset is only read a page at a time (the list
    page); counts and aggregates use the default (see search.search_persons).
    """
    # A page in name order walks the (name_pinyin, id) index (Scope.filter_in_order).
    # Not the age sorts: birth_date has no index of its own, and without the
    # region index a street's 31,000 persons cost a scan of all 1M (0.7 s).
    in_order = paged and SORTS[person_filter.sort][0] == "name_pinyin"
    if in_order:
        qs = scope.read_scope(user).filter_in_order(Person.objects.all())
    else:
        qs = persons_visible_to(user)
    for name, column in FILTER_FIELDS.items():
        value = getattr(person_filter, name)
        if name == "status" and value == "all":
            continue
        if value == "none":
            qs = qs.filter(**{f"{column}__isnull": True})
        elif name == "region" and value not in (None, ""):
            # A region means its subtree: 兴宁区 includes its streets and communities.
            subtree = scope.subtree_of(value)
            qs = subtree.filter_in_order(qs) if in_order else subtree.filter(qs)
        elif value not in (None, ""):
            qs = qs.filter(**{column: value})
    if person_filter.position:
        qs = LIST_FILTERS["position"].apply(qs, person_filter.position)
    if person_filter.tier:
        qs = LIST_FILTERS["tier"].apply(qs, person_filter.tier)
    qs = _apply_analysis_filters(qs, person_filter)
    result = search_persons(qs, person_filter.q, paged=paged)
    return result.queryset, result.hint


def count_filtered(user, person_filter: PersonFilter) -> int:
    """How many persons filtered_persons(user, person_filter) holds.

    Paging through a list asks for the same count on every page, so it is
    kept until any person changes (a new history row) or the day turns
    (ages); lists filtered by positions or grades, which depend on other
    tables, are counted every time.
    """

    def count() -> int:
        unfiltered = set(person_filter.as_query()) <= {"status", "sort"}
        if (
            unfiltered
            and person_filter.status == Person.Status.ACTIVE
            and scope.sees_everything(user)
        ):
            # Every active person for a city user, as all rows minus the few
            # archived ones: SQLite counts a whole table from its b-tree almost
            # for free but must walk an index to count one status (1M rows:
            # ≈5 ms vs ≈45 ms CPU, docs/benchmarks.md).
            others = [s for s in Person.Status.values if s != Person.Status.ACTIVE]
            return Person.objects.count() - Person.objects.filter(status__in=others).count()
        return filtered_persons(user, person_filter)[0].count()

    if person_filter.position or person_filter.grade or person_filter.tier:
        return count()
    chosen = sorted((k, v) for k, v in person_filter.as_query().items() if k != "sort")
    parts = (read_scope(user).key, chosen, person_filter.age_on, data_version(Person))
    return remembered("people:count", parts, count)


def attach_labels(persons) -> None:
    """Give each person of a page its region, group and sub-category from the
    kept rows (what `prefetch_related` read with three queries per page), and
    what the list's row shows of them, worked out once in Python: the link,
    the birth month and the category label. Per row in the template these
    were half of the table's rendering time (docs/benchmarks.md, issue 16)."""
    attach_related(persons, ("region", "group", "subcategory"))
    detail_path = path_for_key("people:detail")
    for person in persons:
        person.detail_url = detail_path(person.pk)
        person.birth_month = f"{person.birth_date:%Y.%m}" if person.birth_date else ""
        person.category_label = _category_label(person)


def _category_label(person: Person) -> str:
    """类别 as the list shows it: the group's short name (or its name), then
    the sub-category after a middle dot."""
    group = person.group
    label = (group.short_name or group.name) if group else ""
    if person.subcategory_id and person.subcategory:
        label = f"{label}·{person.subcategory.name}"
    return label
