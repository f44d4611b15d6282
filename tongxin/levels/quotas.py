"""The quota page's numbers, from ONE grouped query over the persons a user sees.

`persons_visible_to(user)` active persons GROUP BY (region, level, group,
subcategory): a few thousand rows at most, from which every count on the
page is summed in Python, so the count against quota and the coverage grid
can never disagree with each other. The home page's totals and the annual
review's due counts are sums over the same rows.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from html import escape

from django.db.models import Count
from django.utils.safestring import SafeString, mark_safe

from tongxin.core import options
from tongxin.core.kept_counts import kept_counts
from tongxin.people.access import persons_visible_to
from tongxin.people.kept import person_groups, subcategories
from tongxin.people.models import Person, PersonGroup, SubCategory
from tongxin.regions.models import Region

from .selectors import kept_tiers
from .tiers import default_tier_quota, level_of_node


def thin_below() -> int:
    """A coverage cell with fewer persons than this is "thin" (but not empty)."""
    return int(options.value("quota_thin_below"))


def default_quota(region: Region, level: str) -> int | None:
    """The quota of a node whose tier is not set up yet (tiers.default_tier_quota)."""
    return default_tier_quota(region) if level == level_of_node(region) else None


def stored_quotas() -> dict[tuple[int, str], int | None]:
    """{(region id, level): quota} of every tier set up: a node's tier is counted
    at the level it gives (a city's at 市级重点联系, a county's at 县区联系)."""
    return {(t.region_id, level_of_node(t.region)): t.quota for t in kept_tiers()}


def level_counts(user, *, as_queryset: bool = False):
    """{(region_id, level, group_id, subcategory_id): count} of active persons `user` sees.

    At a million persons the GROUP BY walks ≈1M entries of the covering index
    (status, region, level, group, subcategory): ≈150 ms, so it is counted once
    and then kept current from the person history (core/kept_counts.py).
    as_queryset=True returns the query itself (for EXPLAIN in bench/bench_quota.py).
    """
    rows = (
        persons_visible_to(user)
        .filter(status=Person.Status.ACTIVE)
        .values_list("region_id", "level", "group_id", "subcategory_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    if as_queryset:
        return rows
    return kept_counts(rows, models=(Person,))


@dataclass
class QuotaCell:
    level: str
    count: int
    quota: int | None

    @property
    def excess(self) -> int:
        return self.count - self.quota if self.quota is not None else 0

    @property
    def state(self) -> str:
        """over / under / full, or "" when there is no quota."""
        if self.quota is None:
            return ""
        if self.count > self.quota:
            return "over"
        if self.count < self.quota:
            return "under"
        return "full"


@dataclass
class QuotaRow:
    region: Region
    cells: list[QuotaCell]  # in the order of Person.Level
    total: int
    is_city_total: bool = False

    def cell(self, level: str) -> QuotaCell:
        return next(c for c in self.cells if c.level == level)


@dataclass
class CoverageRow:
    label: str
    is_group: bool
    counts: list[int]  # per column region, then the total
    group: PersonGroup | None = None
    subcategory: SubCategory | None = None


@dataclass
class QuotaPage:
    quota_rows: list[QuotaRow]
    columns: list[Region]
    coverage: list[CoverageRow]
    coverage_level: str
    thin_below: int
    totals: dict[str, int] = field(default_factory=dict)


COVERAGE_LEVELS = {
    "rep": ("代表人士（市级重点联系和县区联系）", {Person.Level.CITY, Person.Level.COUNTY}),
    Person.Level.CITY: ("市级重点联系", {Person.Level.CITY}),
    Person.Level.COUNTY: ("县区联系", {Person.Level.COUNTY}),
    Person.Level.RESERVE: ("储备", {Person.Level.RESERVE}),
    "all": ("全部在库人员", set(Person.Level.values)),
}


def quota_page(user, regions: list[Region], coverage_level: str = "rep") -> QuotaPage:
    """Everything the quota page shows for `regions` (those `user` may see)."""
    counts = level_counts(user)
    quotas = stored_quotas()
    levels = Person.Level.values

    by_region_level: dict[tuple[int, str], int] = defaultdict(int)
    for (region_id, level, _g, _s), n in counts.items():
        by_region_level[(region_id, level)] += n

    def quota_of(region: Region, level: str) -> int | None:
        if (region.pk, level) in quotas:
            return quotas[(region.pk, level)]
        return default_quota(region, level)

    rows = []
    for region in regions:
        if region.is_city:
            # The city's row counts the whole city: every region the user sees.
            cells = [
                QuotaCell(
                    lv,
                    sum(n for (_r, level), n in by_region_level.items() if level == lv),
                    quota_of(region, lv),
                )
                for lv in levels
            ]
            rows.append(QuotaRow(region, cells, sum(c.count for c in cells), True))
        else:
            cells = [
                QuotaCell(lv, by_region_level[(region.pk, lv)], quota_of(region, lv))
                for lv in levels
            ]
            rows.append(QuotaRow(region, cells, sum(c.count for c in cells)))

    wanted = COVERAGE_LEVELS.get(coverage_level, COVERAGE_LEVELS["rep"])[1]
    columns = [r for r in regions if not r.is_city]
    index = {r.pk: i for i, r in enumerate(columns)}
    by_group: dict[int, list[int]] = defaultdict(lambda: [0] * (len(columns) + 1))
    by_sub: dict[tuple[int, int | None], list[int]] = defaultdict(lambda: [0] * (len(columns) + 1))
    for (region_id, level, group_id, sub_id), n in counts.items():
        if level not in wanted:
            continue
        for target in (by_group[group_id], by_sub[(group_id, sub_id)]):
            if region_id in index:
                target[index[region_id]] += n
            target[-1] += n

    coverage = []
    # The kept rows (people/kept.py): shared, read only.
    active_subcategories = defaultdict(list)
    for sub in sorted(subcategories(), key=lambda s: (s.sort_order, s.pk)):
        if sub.is_active:
            active_subcategories[sub.group_id].append(sub)
    for group in person_groups():
        if not group.is_active:
            continue
        coverage.append(CoverageRow(group.name, True, list(by_group[group.pk]), group=group))
        for sub in active_subcategories[group.pk]:
            coverage.append(
                CoverageRow(sub.name, False, list(by_sub[(group.pk, sub.pk)]), group, sub)
            )
        unclassified = by_sub.get((group.pk, None))
        if unclassified and active_subcategories[group.pk]:
            coverage.append(CoverageRow("（未填细分类别）", False, list(unclassified), group))

    totals = {
        lv: sum(n for (_r, level), n in by_region_level.items() if level == lv) for lv in levels
    }
    return QuotaPage(
        quota_rows=rows,
        columns=columns,
        coverage=coverage,
        coverage_level=coverage_level if coverage_level in COVERAGE_LEVELS else "rep",
        thin_below=thin_below(),
        totals=totals,
    )


# The page's two tables are drawn here rather than in template loops: a city's
# coverage grid has ~800 cells, and the loops (a few {% if %} per cell) were
# most of the page's template time. Same markup as the template had.


def quota_rows_html(page: QuotaPage) -> SafeString:
    """The rows of the 名额使用情况 table."""
    parts = []
    for row in page.quota_rows:
        city = row.is_city_total
        cells = []
        for cell in row.cells:
            state = cell.state
            css = " tx-over" if state == "over" else " tx-under" if state == "under" else ""
            quota = (
                f'<span class="text-muted">/{cell.quota}</span>' if cell.quota is not None else ""
            )
            over = f' <span class="small">超出{cell.excess}</span>' if state == "over" else ""
            cells.append(
                f'\n        <td class="text-end{css}" data-cell="{row.region.pk}-{escape(cell.level)}">'
                f"{cell.count}{quota}{over}</td>\n        "
            )
        bold = ' class="fw-semibold"' if city else ""
        name = escape(row.region.name) + ("（全市）" if city else "")
        parts.append(
            f"\n      <tr{bold}>\n        <td>{name}</td>\n        {''.join(cells)}"
            f'\n        <td class="text-end">{row.total}</td>\n      </tr>\n    '
        )
    return mark_safe("".join(parts))


def coverage_rows_html(page: QuotaPage) -> SafeString:
    """The rows of the 各类别代表人士分布 grid."""
    thin = page.thin_below
    parts = []
    for row in page.coverage:
        cells = "".join(
            '<td class="text-end tx-empty">空缺</td>'
            if n == 0
            else f'<td class="text-end{" tx-thin" if n < thin else ""}">{n}</td>'
            for n in row.counts
        )
        shaded = ' class="fw-semibold table-light"' if row.is_group else ""
        indent = "" if row.is_group else ' class="ps-3"'
        parts.append(
            f"\n      <tr{shaded}>\n        <td{indent}>{escape(row.label)}</td>\n"
            f"        {cells}\n      </tr>\n    "
        )
    return mark_safe("".join(parts))
