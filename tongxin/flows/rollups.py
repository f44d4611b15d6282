"""Roll-ups at any node of the region tree (分级管理): for a node and each of
its children's subtrees, the tier's quota fill, the groups its tier leaves
empty, the annual review's progress and whether the node above confirmed it,
and whether the year's 附件1/附件2 were reported (报送).

A user opens the nodes of their scope only, so every count covers the whole
subtree shown.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone

from tongxin.levels.models import ReviewCycle, Tier, TierMembership
from tongxin.levels.quotas import level_counts
from tongxin.levels.review import completion_by_region, review_due_date
from tongxin.levels.tiers import default_tier_name, default_tier_quota
from tongxin.people.models import Person, PersonGroup
from tongxin.regions.models import Region
from tongxin.regions.scope import at_nodes, read_scope, subtree_of

from .models import ChangeRequest


@dataclass
class NodeRow:
    region: Region
    is_node: bool  # the node itself (its own tier), not a child's subtree
    tier_name: str
    quota: int | None
    held: int
    empty_groups: list[str] = field(default_factory=list)
    due: int = 0
    reviewed: int = 0
    review_state: str = ""  # the confirmation by the node above: a State label, or ""
    review_overdue: bool = False  # not confirmed by the year's review deadline
    report_state: str = ""  # the year's 报送: a State label, or ""

    @property
    def fill(self) -> str:
        """over / under / full, or "" without a quota."""
        if self.quota is None:
            return ""
        if self.held > self.quota:
            return "over"
        return "under" if self.held < self.quota else "full"

    @property
    def gap(self) -> int:
        """How far the count is from the quota, either way."""
        return abs(self.held - self.quota) if self.quota is not None else 0

    @property
    def percent(self) -> int:
        return round(100 * self.reviewed / self.due) if self.due else 100


@dataclass
class NodeOverview:
    node: Region
    chain: list[Region]  # from the top the user may see down to the node
    rows: list[NodeRow]
    year: int
    cycle: ReviewCycle | None
    deadline: datetime.date | None = None  # the year's review deadline (系统参数)


def node_overview(user, node: Region, year: int) -> NodeOverview:
    """Everything the node page shows; `node` must be readable by `user`."""
    scope = read_scope(user)
    children = list(
        Region.objects.filter(parent=node, is_active=True).order_by("sort_order", "code")
    )
    columns = [node, *children]
    column_ids = {r.pk for r in columns}
    # The node is inside the user's scope (the view checks), so its whole subtree is.
    visible = list(subtree_of(node).regions())
    column_of = {}
    for region in visible:
        chain = [*region.ancestor_ids(), region.pk]
        column_of[region.pk] = next(
            (i for i in reversed(chain) if i in column_ids and i != node.pk), node.pk
        )

    tiers = {t.region_id: t for t in at_nodes(Tier.objects.all(), columns)}
    held = dict(
        TierMembership.objects.visible_to(user)
        .filter(tier__in=tiers.values(), person__status=Person.Status.ACTIVE)
        .values_list("tier_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    groups_held = defaultdict(set)
    for tier_id, group_id in (
        TierMembership.objects.visible_to(user)
        .filter(tier__in=tiers.values(), person__status=Person.Status.ACTIVE)
        .values_list("tier_id", "person__group_id")
        .distinct()
        .order_by()
    ):
        groups_held[tier_id].add(group_id)
    groups = list(PersonGroup.objects.filter(is_active=True).order_by("sort_order", "id"))

    cycle = ReviewCycle.objects.filter(year=year).first()
    due, reviewed = defaultdict(int), defaultdict(int)
    if cycle is not None:
        for c in completion_by_region(user, cycle, visible):
            due[column_of[c.region.pk]] += c.due
            reviewed[column_of[c.region.pk]] += c.reviewed
    else:
        for (region_id, _level, _g, _s), n in level_counts(user).items():
            if region_id in column_of:
                due[column_of[region_id]] += n

    states = {}
    for kind, origin_id, state in (
        ChangeRequest.objects.visible_to(user)
        .filter(kind__in=[ChangeRequest.Kind.REVIEW, ChangeRequest.Kind.REPORT], year=year)
        .exclude(state=ChangeRequest.State.WITHDRAWN)
        .order_by("created_at", "id")
        .values_list("kind", "origin_id", "state")
    ):
        states[(kind, origin_id)] = ChangeRequest.State(state).label

    deadline = review_due_date(year) if cycle is not None else None
    past_deadline = deadline is not None and deadline < timezone.localdate()
    approved = ChangeRequest.State.APPROVED.label
    rows = []
    for region in columns:
        tier = tiers.get(region.pk)
        review_state = states.get((ChangeRequest.Kind.REVIEW, region.pk), "")
        rows.append(
            NodeRow(
                region=region,
                is_node=region.pk == node.pk,
                tier_name=tier.name if tier else default_tier_name(region),
                quota=tier.quota if tier else default_tier_quota(region),
                held=held.get(tier.pk, 0) if tier else 0,
                empty_groups=[
                    g.name for g in groups if not tier or g.pk not in groups_held[tier.pk]
                ],
                due=due[region.pk],
                reviewed=reviewed[region.pk],
                review_state=review_state,
                review_overdue=past_deadline
                and region.parent_id is not None
                and bool(due[region.pk])
                and review_state != approved,
                report_state=states.get((ChangeRequest.Kind.REPORT, region.pk), ""),
            )
        )
    top = [*node.ancestor_ids(), node.pk]
    chain = [r for r in Region.objects.in_bulk(top).values() if scope.contains(r)]
    chain.sort(key=lambda r: r.depth)
    return NodeOverview(
        node=node, chain=chain, rows=rows, year=year, cycle=cycle, deadline=deadline
    )
