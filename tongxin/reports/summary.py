"""附件1 新的社会阶层人士分级分类管理汇总表.

Rows are the groups and their sub-categories, each group closed by a 小计 row
and the table by 合计; columns are, per region, the three levels and their
sum, then the same for all regions together. The numbers come from ONE
GROUP BY over `filtered_persons` (active persons only), so they always equal
what the person list counts for the same region.

Under a province that keeps a tier (自治区重点联系), each region's block has
one more column, "其中：自治区重点联系": the persons holding that tier, who are
also counted in 市级重点联系 (their level), so 小计 does not add them again.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from html import escape

from django.db.models import Count
from django.utils.safestring import SafeString, mark_safe

from tongxin.core.exporting import XlsxBook
from tongxin.core.kept_counts import kept_counts
from tongxin.levels.models import Tier, TierMembership
from tongxin.levels.selectors import holders_of, tiers_above_cities
from tongxin.people.kept import person_groups
from tongxin.people.kept import subcategories as kept_subcategories
from tongxin.people.listing import PersonFilter, filtered_persons
from tongxin.people.models import Person
from tongxin.regions.models import Region
from tongxin.regions.scope import read_scope, sees_everything

TITLE = "新的社会阶层人士分级分类管理汇总表"
LEVELS = list(Person.Level.choices)  # [(value, label), …] in the paper order
NO_SUBCATEGORY = "（未细分）"


@dataclass
class SummaryRow:
    group: str
    label: str  # sub-category name, 小计 or 合计
    kind: str  # "item" | "subtotal" | "total"
    cells: list[int] = field(default_factory=list)  # per region × (levels + 小计), then 合计
    first_of_group: bool = False


@dataclass
class Summary:
    unit: str  # 填报单位
    on_date: datetime.date
    regions: list[Region]
    rows: list[SummaryRow]
    show_total_block: bool
    upper_tiers: list[str] = field(default_factory=list)  # names of the 其中 columns

    @property
    def level_labels(self) -> list[str]:
        labels = [label for _, label in LEVELS]
        extra = [f"其中：{name}" for name in self.upper_tiers]
        return labels[:1] + extra + labels[1:] + ["小计"]

    @property
    def upper_tier_note(self) -> str:
        if not self.upper_tiers:
            return ""
        names = "、".join(self.upper_tiers)
        return f"“其中：{names}”为市级重点联系中列入{names}的人数，已计入市级重点联系，小计不重复计算。"

    @property
    def column_blocks(self) -> list[str]:
        names = [r.name for r in self.regions]
        return names + (["合计"] if self.show_total_block else [])

    def sheets(self) -> list["SummarySheet"]:
        """The table cut into one sheet per column block (region, then 合计):
        each prints on its own A4 page at a readable size, where all blocks
        side by side (70 columns for a province) shrink to unreadable type."""
        width = len(self.level_labels)
        return [
            SummarySheet(
                block=block,
                rows=[(row, row.cells[i * width : (i + 1) * width]) for row in self.rows],
            )
            for i, block in enumerate(self.column_blocks)
        ]

    @property
    def grand_total(self) -> int:
        return self.rows[-1].cells[-1] if self.rows else 0


def summary_rows_html(summary: Summary) -> SafeString:
    """The table's body rows as the summary page shows them, escaped by hand.
    Built here rather than in a template loop: a city's table has ~2,000
    cells, and the loop (one localize() and one {% if %} per cell) was 28 of
    the page's 33 ms of CPU at 1M persons."""
    parts = []
    for row in summary.rows:
        shaded = ' class="fw-semibold table-light"' if row.kind != "item" else ""
        if row.kind == "total":
            names = '<td colspan="2">合计</td>'
        else:
            group = escape(row.group) if row.kind == "subtotal" or row.first_of_group else ""
            names = f'<td class="text-start">{group}</td><td class="text-start">{escape(row.label)}</td>'
        cells = "".join(
            f"<td>{n}</td>" if n else f'<td class="text-muted">{n}</td>' for n in row.cells
        )
        parts.append(
            f'\n      <tr{shaded} data-kind="{escape(row.kind)}">\n        {names}\n        {cells}\n      </tr>\n    '
        )
    return mark_safe("".join(parts))


@dataclass
class SummarySheet:
    block: str  # the region's name, or 合计
    rows: list[tuple[SummaryRow, list[int]]]  # each row with its cells in this block


def summary_regions_for(user) -> list[Region]:
    """Regions `user` may put in the table: those of their subtrees, in the
    tree's order. The kept rows (regions/scope.py): shared, read only."""
    return read_scope(user).region_rows()


def default_summary_region(user, regions: list[Region]) -> Region | None:
    """The region the table opens on: a user of one region sees it; others the top."""
    return regions[0] if len(regions) == 1 and not sees_everything(user) else None


def summary_counts(user, region_id: int | None) -> dict[tuple, int]:
    """{(group_id, subcategory_id, region_id, level): count} over active persons.

    The GROUP BY walks every active person the user sees: 115 ms a request at
    1M persons, half the server's CPU under 20 sessions. The counts are kept
    (core/kept_counts.py) under a key made of this query, whose SQL holds the
    user's scope, and the persons' data version: a change recounts only the
    changed persons, and the task worker keeps the default table warm.
    """
    person_filter = PersonFilter(region=region_id, status=Person.Status.ACTIVE)
    qs, _ = filtered_persons(user, person_filter)
    grouped = (
        qs.order_by()
        .values_list("group_id", "subcategory_id", "region_id", "level")
        .annotate(n=Count("*"))
    )
    return dict(kept_counts(grouped, models=(Person,)))


def upper_tier_counts(user, region_id: int | None, tier: Tier) -> dict[tuple, int]:
    """{(group_id, subcategory_id, region_id): count} of the active persons
    `user` sees (in `region_id`'s subtree) who hold `tier`, kept like
    summary_counts and recounted for the persons whose memberships change."""
    person_filter = PersonFilter(region=region_id, status=Person.Status.ACTIVE)
    qs, _ = filtered_persons(user, person_filter)
    grouped = (
        holders_of(qs, tier)
        .order_by()
        .values_list("group_id", "subcategory_id", "region_id")
        .annotate(n=Count("*"))
    )
    return dict(
        kept_counts(grouped, models=(Person, TierMembership), links={TierMembership: "person_id"})
    )


def _nodes_above(node: Region | None, visible: list[Region]) -> list[int]:
    """The table's node and the nodes above it that may be a province (without
    a node, those above every top node of the user's scope). Nodes known to
    rank at or below a city are left out: a deployment rooted at a city asks
    for no province tier at all."""
    if node is not None:
        chain = {*node.ancestor_ids(), node.pk}
    else:
        ids = {r.pk for r in visible}
        chains = [set(r.ancestor_ids()) | {r.pk} for r in visible if r.parent_id not in ids]
        chain = set.intersection(*chains) if chains else set()
    known = {r.pk: r for r in [*visible, *([node] if node else [])]}
    city = Region.RANK[Region.Kind.CITY]
    return sorted(i for i in chain if i not in known or known[i].rank < city)


def _roll_up(node: Region | None, visible: list[Region], counted: set[int]):
    """(the table's columns, {region id: its column's region id}).

    The columns of a node are the node itself (the persons registered at it)
    and each of its children, which counts its whole subtree: a province's
    table has a column per city, a city's per county, a county's per street.
    Without a node (a user placed at several unrelated nodes), each top node
    of the user's scope is a column. A column shows when its region is active
    or anyone is counted in it.
    """
    by_id = {r.pk: r for r in visible}
    if node is None:
        tops = [r for r in visible if r.parent_id not in by_id]
        column_ids = {r.pk for r in tops}
        own_column = None
    else:
        tops = [node, *(r for r in visible if r.parent_id == node.pk)]
        column_ids = {r.pk for r in tops}
        own_column = node.pk
    column_of = {}
    for region in visible:
        chain = region.ancestor_ids() + [region.pk]
        if own_column is not None and region.pk == own_column:
            column_of[region.pk] = own_column
            continue
        column_of[region.pk] = next((i for i in chain if i in column_ids and i != own_column), None)
    shown = {column_of.get(rid) for rid in counted}
    columns = [r for r in tops if r.is_active or r.pk in shown]
    return columns, column_of


def build_summary(user, region: Region | None, *, on_date: datetime.date) -> Summary:
    """The table for the node `region` (None: the top of what `user` may see),
    its children's subtrees rolled up into their columns."""
    raw = summary_counts(user, region.pk if region else None)
    visible = summary_regions_for(user)
    node = region
    if node is None:
        ids = {r.pk for r in visible}
        tops = [r for r in visible if r.parent_id not in ids]
        node = tops[0] if len(tops) == 1 else None
    regions, column_of = _roll_up(node, visible, {key[2] for key in raw})
    counts: dict[tuple, int] = defaultdict(int)
    for (group_id, sub_id, rid, level), n in raw.items():
        counts[(group_id, sub_id, column_of.get(rid), level)] += n
    above = _nodes_above(node, visible)
    upper = tiers_above_cities(above) if above else []
    for tier in upper:
        held = upper_tier_counts(user, region.pk if region else None, tier)
        for (group_id, sub_id, rid), n in held.items():
            counts[(group_id, sub_id, column_of.get(rid), f"tier:{tier.pk}")] += n
    unit = node.name if node is not None else "全部区域"

    level_values = [value for value, _ in LEVELS]
    # The 其中 columns follow 市级重点联系, whose persons they count again.
    shown = level_values[:1] + [f"tier:{tier.pk}" for tier in upper] + level_values[1:]
    region_ids = [r.pk for r in regions]

    def cells_for(keys: dict[tuple[int, str], int]) -> list[int]:
        """keys: {(region_id, level): n} → the row's cells."""
        cells = []
        for rid in region_ids:
            cells += [keys.get((rid, lv), 0) for lv in shown]
            cells.append(sum(keys.get((rid, lv), 0) for lv in level_values))
        if len(region_ids) > 1:
            cells += [sum(keys.get((rid, lv), 0) for rid in region_ids) for lv in shown]
            cells.append(sum(keys.get((rid, lv), 0) for rid in region_ids for lv in level_values))
        return cells

    by_sub: dict[tuple[int, int | None], dict] = defaultdict(lambda: defaultdict(int))
    by_group: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    total: dict = defaultdict(int)
    for (group_id, sub_id, rid, level), n in counts.items():
        by_sub[(group_id, sub_id)][(rid, level)] += n
        by_group[group_id][(rid, level)] += n
        total[(rid, level)] += n

    # The kept rows (people/kept.py): shared, read only.
    subcategories = defaultdict(list)
    for sub in sorted(kept_subcategories(), key=lambda s: (s.sort_order, s.pk)):
        subcategories[sub.group_id].append(sub)

    rows: list[SummaryRow] = []
    group_ids_with_counts = {key[0] for key in counts}
    for group in sorted(person_groups(), key=lambda g: (g.sort_order, g.pk)):
        if not group.is_active and group.pk not in group_ids_with_counts:
            continue
        subs = [s for s in subcategories[group.pk] if s.is_active or (group.pk, s.pk) in by_sub]
        for sub in subs:
            rows.append(
                SummaryRow(group.name, sub.name, "item", cells_for(by_sub[(group.pk, sub.pk)]))
            )
        if (group.pk, None) in by_sub or not subs:
            rows.append(
                SummaryRow(
                    group.name,
                    NO_SUBCATEGORY if subs else "—",
                    "item",
                    cells_for(by_sub[(group.pk, None)]),
                )
            )
        rows.append(SummaryRow(group.name, "小计", "subtotal", cells_for(by_group[group.pk])))
        first = len(rows) - 1
        while first > 0 and rows[first - 1].group == group.name and rows[first - 1].kind == "item":
            first -= 1
        rows[first].first_of_group = True
    rows.append(SummaryRow("合计", "", "total", cells_for(total)))
    return Summary(
        unit=unit,
        on_date=on_date,
        regions=regions,
        rows=rows,
        show_total_block=len(regions) > 1,
        upper_tiers=[tier.name for tier in upper],
    )


def cn_date(value: datetime.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def write_summary_xlsx(summary: Summary, target) -> None:
    """The table as the paper form: A4 landscape, one page wide, headers repeated."""
    with XlsxBook(target, constant_memory=False) as book:
        workbook = book.workbook
        sheet = workbook.add_worksheet("汇总表")
        font = {"font_name": "宋体", "font_size": 10}
        title = workbook.add_format(
            {**font, "bold": True, "font_size": 16, "align": "center", "valign": "vcenter"}
        )
        meta = workbook.add_format({**font, "valign": "vcenter"})
        meta_right = workbook.add_format({**font, "align": "right", "valign": "vcenter"})
        head = workbook.add_format(
            {**font, "bold": True, "border": 1, "align": "center", "valign": "vcenter",
             "text_wrap": True, "bg_color": "#F2F2F2"}
        )  # fmt: skip
        text = workbook.add_format({**font, "border": 1, "valign": "vcenter", "text_wrap": True})
        number = workbook.add_format({**font, "border": 1, "align": "center", "valign": "vcenter"})
        sub_text = workbook.add_format({**font, "border": 1, "bold": True, "bg_color": "#FAFAFA"})
        sub_number = workbook.add_format(
            {**font, "border": 1, "bold": True, "align": "center", "bg_color": "#FAFAFA"}
        )

        blocks = summary.column_blocks
        levels = summary.level_labels
        last_col = 1 + len(blocks) * len(levels)

        sheet.set_row(0, 30)
        sheet.merge_range(0, 0, 0, last_col, TITLE, title)
        half = max(2, last_col // 2)
        sheet.merge_range(1, 0, 1, half - 1, f"填报单位：{summary.unit}", meta)
        sheet.merge_range(1, half, 1, last_col, f"日期：{cn_date(summary.on_date)}", meta_right)

        sheet.merge_range(2, 0, 3, 0, "类别", head)
        sheet.merge_range(2, 1, 3, 1, "细分类别", head)
        for b, block in enumerate(blocks):
            first = 2 + b * len(levels)
            sheet.merge_range(2, first, 2, first + len(levels) - 1, block, head)
            for i, label in enumerate(levels):
                sheet.write_string(3, first + i, label, head)
        sheet.set_row(3, 30)

        row_index = 4
        group_start = row_index
        for row in summary.rows:
            is_sum = row.kind != "item"
            if row.kind == "total":
                sheet.merge_range(row_index, 0, row_index, 1, "合计", sub_text)
            else:
                sheet.write_string(row_index, 1, row.label, sub_text if is_sum else text)
            for i, value in enumerate(row.cells):
                sheet.write_number(row_index, 2 + i, value, sub_number if is_sum else number)
            if row.kind == "subtotal":
                # The group's name spans its rows, as on the paper form.
                if row_index > group_start:
                    sheet.merge_range(group_start, 0, row_index, 0, row.group, text)
                else:
                    sheet.write_string(row_index, 0, row.group, text)
                group_start = row_index + 1
            row_index += 1

        if summary.upper_tier_note:
            sheet.merge_range(row_index, 0, row_index, last_col, summary.upper_tier_note, meta)
        sheet.set_column(0, 0, 22)
        sheet.set_column(1, 1, 18)
        sheet.set_column(2, last_col, 6.5)
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        sheet.center_horizontally()
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(2, 3)
        sheet.set_footer("&C第 &P 页，共 &N 页")
