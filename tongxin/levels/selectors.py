"""Reads over tiers: who holds which, for the person list and the tier pages."""

from django.db.models import Exists, OuterRef, QuerySet

from tongxin.core.kept_tables import kept_rows
from tongxin.regions.models import Region
from tongxin.regions.scope import at_nodes, read_scope

from .models import ReviewCycle, Tier, TierMembership


def review_cycles() -> list[ReviewCycle]:
    """Every review cycle, kept in this process (core/kept_tables.py;
    levels/apps.py forgets them when one is saved): a few rows, one a year,
    read by every person page and home page. Shared rows: read only."""
    return kept_rows("levels.review_cycles", ReviewCycle.objects.all)


def review_cycle_of(year: int) -> ReviewCycle | None:
    """The year's review cycle (shared by all regions), or None if not started."""
    return next((cycle for cycle in review_cycles() if cycle.year == year), None)


def tier_value_valid(value: str) -> bool:
    return value.isdigit()


def persons_holding_tier(persons: QuerySet, value: str) -> QuerySet:
    """The persons of `persons` who hold the tier with id `value`."""
    held = TierMembership.objects.filter(person=OuterRef("pk"), tier_id=int(value))
    return persons.filter(Exists(held))


def tier_label(value: str) -> str:
    tier = Tier.objects.filter(pk=int(value)).select_related("region").first()
    return str(tier) if tier else value


def tiers_visible_to(user) -> QuerySet[Tier]:
    """The tiers of the user's scope and of the nodes above it (those a
    county recommends into)."""
    return Tier.objects.visible_to(user).select_related("region")


def kept_tiers() -> list[Tier]:
    """Every tier with its region, kept in this process (core/kept_tables.py;
    levels/apps.py forgets them when a tier or a region changes). Shared rows:
    read only."""
    return kept_rows("levels.tiers", lambda: Tier.objects.select_related("region"))


def tier_choices_for(user) -> list[Tier]:
    """`tiers_visible_to` as kept rows (core/kept_tables.py; levels/apps.py
    forgets them when a tier or a region changes): the person list's filter
    offers them on every page."""
    readable = read_scope(user)
    if readable.is_empty:
        return []
    return [tier for tier in kept_tiers() if readable.shares_down(tier.region_id)]


def tiers_of_nodes(nodes) -> QuerySet[Tier]:
    """The tiers set up at `nodes` (a person's chain of nodes above them), top first."""
    return at_nodes(Tier.objects.all(), nodes).select_related("region").order_by("region__depth")


def tiers_above_cities(node_ids) -> list[Tier]:
    """The tiers kept by provinces (自治区重点联系) among the nodes `node_ids`
    (a table's node and the nodes above it), top first: 附件1 gives each a
    column of its own, where the city's 市级重点联系 column also counts them.
    Read from the kept tier rows (no query while no tier or region changed)."""
    wanted = set(node_ids)
    return sorted(
        (
            t
            for t in kept_tiers()
            if t.region_id in wanted and t.region.rank < Region.RANK[Region.Kind.CITY]
        ),
        key=lambda t: t.region.depth,
    )


def holders_of(persons: QuerySet, tier: Tier) -> QuerySet:
    """The persons of `persons` who hold `tier`, driven from the tier's
    (small) list of holders rather than probed person by person."""
    return persons.filter(pk__in=TierMembership.objects.filter(tier=tier).values("person_id"))
