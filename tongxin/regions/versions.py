"""The version of the region tree and of every placement, kept in the shared
cache: scopes are kept under it (scope.placement_scope) and forgotten when it
moves. Its own module so the model and the scope module can both use it."""

from django.core.cache import cache
from django.db import transaction

from tongxin.core.kept_tables import table_changed

KEY = "scope:version"


def placements_version() -> int:
    return cache.get(KEY) or 0


def placements_changed(**_ignored) -> None:
    """A region was saved or an account's placement changed: every kept scope
    is stale (a move can change any subtree), and so are the kept rows of
    the tree (scope.all_regions)."""
    table_changed("regions")
    _next_version()
    # Again after commit: a scope another process worked out between the
    # first bump and the commit was read from the tree as it was before.
    transaction.on_commit(_next_version)


def _next_version() -> None:
    try:
        cache.incr(KEY)
    except ValueError:  # not set yet
        cache.set(KEY, 1, None)
