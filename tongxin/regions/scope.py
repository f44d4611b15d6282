"""The one region rule: which part of the region tree a user may see and change.

Every staff account is placed at one or more nodes of the region tree
(`User.regions`) and works inside those subtrees; its role says what it may do
there. Every read of a region-owned record — page, partial, list, count,
search, export, report, dashboard, timeline, history, cache key, task, API —
is built from `read_scope(user)` / `write_scope(user)` or the queryset method
`visible_to(user)` that region-owned models get from `ScopedQuerySet`. Nothing
else in the code writes a region condition. docs/access.md states the rule.

- Superusers see and change everything.
- Evaluators see no region-owned record: only the sheets assigned to them.
- Leaders read their subtrees and change nothing.
- System administrators, city/county staff (any role that edits persons)
  read and change their subtrees.
- A user placed nowhere sees nothing.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection, models
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from tongxin.core.kept_tables import kept_rows

from .models import Region
from .versions import placements_version


def all_regions() -> list[Region]:
    """Every region in the tree's order, kept in this process until a region
    changes (core/kept_tables.py; Region.save says when). Shared rows: read only."""
    return kept_rows("regions", Region.objects.all)


@dataclass(frozen=True)
class Scope:
    """A set of subtrees of the region tree (or all of it)."""

    paths: tuple[str, ...] = ()
    everything: bool = False
    _cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def is_empty(self) -> bool:
        return not self.everything and not self.paths

    def region_q(self, prefix: str = "") -> Q:
        """The condition on Region rows (or on a relation to Region, via `prefix`)."""
        if self.everything:
            return Q()
        if not self.paths:
            return Q(pk__in=[])
        condition = Q()
        for path in self.paths:
            condition |= Q(**{f"{prefix}path__startswith": path})
        return condition

    def regions(self) -> QuerySet[Region]:
        """The regions inside the scope (active and inactive)."""
        if self.is_empty:
            return Region.objects.none()
        return Region.objects.filter(self.region_q())

    def region_rows(self) -> list[Region]:
        """`regions()` as kept rows, for choices and labels on every page."""
        if self.is_empty:
            return []
        if self.everything:
            return all_regions()
        ids = self.region_ids()
        return [region for region in all_regions() if region.pk in ids]

    def q(self, field: str = "region") -> Q:
        """The condition on a model whose `field` (a path of relations) is a Region.

        One indexed condition: `region IN (ids)`, the ids read once (per
        scope object, i.e. per request) from the materialised path. Literal
        ids rather than a subquery: PostgreSQL cannot estimate a `path LIKE`
        subquery and, with the row estimate of 1 it guesses, joined a city's
        768,000 persons in a nested loop to filter one county's (1.9 s at 1M
        persons; 20 ms with the ids, docs/benchmarks.md).
        """
        if self.everything:
            return Q()
        if not self.paths:
            return Q(pk__in=[])
        return Q(**{f"{field}__in": sorted(self.region_ids())})

    def filter(self, qs: QuerySet, field: str = "region") -> QuerySet:
        if self.is_empty:
            return qs.none()
        if self.everything:
            return qs
        return qs.filter(self.q(field))

    def filter_in_order(self, qs: QuerySet, field: str = "region") -> QuerySet:
        """`filter`, for a page read in the order of an indexed column (the name).

        With several regions the (status, region, name) index cannot give
        rows in name order: both databases then read every person of the
        subtree and sort them (a county with its streets, 140,000 persons:
        270-1,670 ms on SQLite at 1M). Written as `region_id + 0 IN (...)`
        the condition uses no index, so the name index is walked in order
        and filtered, stopping after one page. One region keeps its index,
        which is in name order already. Counts never use this form.
        """
        if self.is_empty or self.everything or connection.vendor != "sqlite":
            # PostgreSQL estimates the plain list well and, with the keyset's
            # row comparison, walks the name index by itself (0.45 ms); the
            # `+ 0` form hid the list's selectivity from it.
            return self.filter(qs, field)
        ids = sorted(self.region_ids())
        if len(ids) == 1:
            return qs.filter(**{f"{field}_id": ids[0]})
        name = f"_in_scope_{len(qs.query.annotations)}"
        return qs.alias(**{name: F(f"{field}_id") + 0}).filter(**{f"{name}__in": ids})

    def region_ids(self) -> frozenset[int] | None:
        """The ids of every region in scope; None when that is every region."""
        if self.everything:
            return None
        if "ids" not in self._cache:
            self._cache["ids"] = frozenset(
                region.pk for region in all_regions() if region.path.startswith(self.paths)
            )
        return self._cache["ids"]

    def contains(self, region: Region | int | None) -> bool:
        """Whether a record of `region` (a Region or its id) is inside the scope."""
        if region is None:
            return False
        if self.everything:
            return True
        # By id, never by an instance's `path`: an instance read before its
        # subtree moved would carry a stale one.
        region_id = region.pk if isinstance(region, Region) else region
        return region_id in self.region_ids()

    def ancestor_ids(self) -> frozenset[int]:
        """The ids of the nodes above the scope's roots (read from the paths)."""
        ids = set()
        for path in self.paths:
            ids.update(int(part) for part in path.strip("/").split("/")[:-1])
        return frozenset(ids)

    def shares_down(self, region_id: int | None) -> bool:
        """`q_shared_down` for one record already read (its region's id)."""
        if self.everything or region_id is None:
            return True
        if not self.paths:
            return False
        return region_id in self.region_ids() or region_id in self.ancestor_ids()

    def q_shared_down(self, field: str = "region") -> Q:
        """Settings-like records (indicator systems) that a node keeps for its
        whole subtree: those of the scope, of the nodes above it, and those
        without a region (the deployment's)."""
        if self.everything:
            return Q()
        if not self.paths:
            return Q(pk__in=[])
        return (
            self.q(field)
            | Q(**{f"{field}__in": sorted(self.ancestor_ids())})
            | Q(**{f"{field}__isnull": True})
        )

    def covers(self, other: "Scope") -> bool:
        """Whether every region of `other` is inside this scope."""
        if self.everything:
            return True
        if other.everything:
            return False
        return all(any(p.startswith(mine) for mine in self.paths) for p in other.paths)

    @classmethod
    def of_region(cls, region: Region | int) -> "Scope":
        """The scope of someone limited to one node (an API client): its
        subtree, or everything when the node is the tree's only root, as
        `read_scope` gives a user placed there. Kept in the shared cache
        under the placements' version, like a user's (an API call reads it
        every time)."""
        # By id, never by an instance's `path`: an instance read before its
        # subtree moved would carry a stale one.
        region_id = region.pk if isinstance(region, Region) else region
        return _kept_scope(f"node:{region_id}", lambda: _node_read(region_id))

    @property
    def key(self) -> str:
        """The scope as part of a cache key: "all", "none" or its root paths."""
        if self.everything:
            return "all"
        return "|".join(self.paths) or "none"


NOTHING = Scope()
EVERYTHING = Scope(everything=True)


def scope_of_regions(regions: Iterable[Region], tree_roots: set[str] | None = None) -> Scope:
    """The union of the subtrees under `regions` (nested ones collapse).

    `tree_roots`: the paths of the tree's roots, when the caller has them.
    """
    paths = sorted({r.path for r in regions if r.path})
    roots: list[str] = []
    for path in paths:
        if not any(path.startswith(root) for root in roots):
            roots.append(path)
    if not roots:
        return NOTHING
    # Placed at every root of the tree: the whole deployment, with no condition.
    if tree_roots is None:
        tree_roots = set(Region.objects.filter(parent__isnull=True).values_list("path", flat=True))
    if tree_roots and tree_roots <= set(roots):
        return EVERYTHING
    return Scope(paths=tuple(roots))


def at_nodes(qs: QuerySet, nodes, field: str = "region") -> QuerySet:
    """The records of `qs` kept at exactly these nodes (Regions or ids), not
    their subtrees: e.g. the tiers of a person's chain of nodes. Not a scope:
    callers have decided already that the user may see those nodes."""
    ids = sorted(n.pk if isinstance(n, Region) else n for n in nodes)
    return qs.filter(**{f"{field}__in": ids})


def subtree_of(region: Region | int) -> Scope:
    """The subtree under one region (a filter "in 兴宁区" includes its streets)."""
    if isinstance(region, Region) and region.path:
        return Scope(paths=(region.path,))
    path = next((row.path for row in all_regions() if row.pk == region), None)
    return Scope(paths=(path,)) if path else NOTHING


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def reads_records(user) -> bool:
    """May read region-owned records at all (everyone active but evaluators)."""
    return _active(user) and (user.is_superuser or user.role != user.Role.EVALUATOR)


def writes_records(user) -> bool:
    """May change region-owned records (admins and staff; not leaders or evaluators)."""
    return _active(user) and (
        user.is_superuser or user.role in {user.Role.ADMIN, user.Role.CITY, user.Role.COUNTY}
    )


def placement_scope(user) -> Scope:
    """The subtrees `user` is placed at, whatever the role (cached on the user)."""
    if not _active(user):
        return NOTHING
    if user.is_superuser:
        return EVERYTHING
    cached = getattr(user, "_tongxin_scope", None)
    if cached is None:
        cached = _placement_of(user)
        user._tongxin_scope = cached
    return cached


KEEP_SECONDS = 3600


def _placement_of(user) -> Scope:
    """The user's scope with its region ids, kept in the shared cache under
    the placements' version (versions.py): a page then reads no region rows
    at all (each was a query: 1.5-3.7 ms per request on PostgreSQL)."""
    return _kept_scope(str(user.pk), lambda: _placement_read(user))


def _kept_scope(name: str, read) -> Scope:
    """`read()`, kept with its region ids in the shared cache under the
    placements' version: a region saved or a placement changed moves the
    version, and every kept scope is read again."""
    key = f"scope:{placements_version()}:{name}"
    kept = cache.get(key)
    if kept is not None:
        paths, everything, ids = kept
        if everything:
            return EVERYTHING
        scope = Scope(paths=tuple(paths))
        if ids is not None:
            scope._cache["ids"] = frozenset(ids)
        return scope
    scope = read()
    ids = None if scope.everything else sorted(scope.region_ids())
    cache.set(key, (scope.paths, scope.everything, ids), KEEP_SECONDS)
    return scope


def _node_read(region_id: int) -> Scope:
    """The subtree under one node, from the kept rows of the tree (no query
    while the tree has not changed)."""
    rows = all_regions()
    node = [row for row in rows if row.pk == region_id]
    return scope_of_regions(node, {row.path for row in rows if row.parent_id is None})


def _placement_read(user) -> Scope:
    # One query for both what the user is placed at and the tree's roots.
    placed = user.regions.through.objects.filter(user_id=user.pk)
    rows = (
        Region.objects.filter(Q(pk__in=placed.values("region_id")) | Q(parent__isnull=True))
        .annotate(mine=Exists(placed.filter(region_id=OuterRef("pk"))))
        .values_list("path", "parent_id", "mine")
    )
    mine, tree_roots = [], set()
    for path, parent_id, is_mine in rows:
        if is_mine:
            mine.append(Region(path=path))
        if parent_id is None:
            tree_roots.add(path)
    return scope_of_regions(mine, tree_roots)


def read_scope(user) -> Scope:
    """Where `user` may read region-owned records.

    `user` may also be a Scope already decided (an API client's,
    `Scope.of_region`): every `visible_to`, list, count and report then
    reads through the same rule as for a staff account.
    """
    if isinstance(user, Scope):
        return user
    return placement_scope(user) if reads_records(user) else NOTHING


def write_scope(user) -> Scope:
    """Where `user` may create and change region-owned records (or a Scope, as above)."""
    if isinstance(user, Scope):
        return user
    return placement_scope(user) if writes_records(user) else NOTHING


def forget(user) -> None:
    """Drop the cached scope after the user's placement changed."""
    if hasattr(user, "_tongxin_scope"):
        del user._tongxin_scope


def readable_regions(user) -> QuerySet[Region]:
    return read_scope(user).regions()


def regions_writable_by(user) -> QuerySet[Region]:
    """Active regions in which `user` may register or change records."""
    return write_scope(user).regions().filter(is_active=True)


def sees_everything(user) -> bool:
    return read_scope(user).everything


class ScopedQuerySet(models.QuerySet):
    """The queryset of every region-owned model.

    The model names the relation that leads to its region in `scope_field`
    (default "region"; e.g. "person__region" for a person's review).
    """

    def visible_to(self, user) -> "ScopedQuerySet":
        return read_scope(user).filter(self, _scope_field(self.model))

    def writable_by(self, user) -> "ScopedQuerySet":
        return write_scope(user).filter(self, _scope_field(self.model))

    def in_scope(self, scope: Scope) -> "ScopedQuerySet":
        return scope.filter(self, _scope_field(self.model))


class SharedDownQuerySet(ScopedQuerySet):
    """A region-owned model whose records also serve the nodes below their
    region (Scope.q_shared_down); changing one stays inside the scope."""

    def visible_to(self, user) -> "SharedDownQuerySet":
        readable = read_scope(user)
        if readable.is_empty:
            return self.none()
        return self.filter(readable.q_shared_down(_scope_field(self.model)))


def _scope_field(model) -> str:
    return getattr(model, "scope_field", "region")


def split_by_scope(items, scope: Scope, region_of) -> tuple[list, int]:
    """(the items inside `scope`, how many others there are).

    For a record the user may see that points at persons or records outside
    the scope: those are counted, never named ("其他区域人员 2 名").
    """
    inside, outside = [], 0
    for item in items:
        if scope.contains(region_of(item)):
            inside.append(item)
        else:
            outside += 1
    return inside, outside
