"""Figures kept until the data they were counted from changes.

Counting a million persons takes tens to hundreds of milliseconds and the
same count is asked for again and again (every page of a list, every home
page view) while the data changes far less often. Every write to a person,
a quota or a review adds a history row, so the newest history ids name the
state of the data: a key that contains them can never serve a stale figure.
"""

import hashlib

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Max

KEEP_SECONDS = 600


def user_scope(user) -> str:
    """Which persons `user` sees, as part of a key: "all" or their region ids."""
    if user.is_superuser or user.sees_all_regions:
        return "all"
    return ",".join(map(str, sorted(user.region_ids())))


def data_version(*models) -> tuple[int, ...]:
    """The newest history id of each model (each has simple-history)."""
    return tuple(m.history.aggregate(last=Max("history_id"))["last"] or 0 for m in models)


def remembered(namespace: str, parts, compute, *, seconds: int = KEEP_SECONDS):
    """compute(), or what it returned before for the same `parts`.

    `parts` must name everything the result depends on, including a
    `data_version`, and have a stable repr.
    """
    key = f"{namespace}:" + hashlib.sha1(repr(parts).encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value


def figures_changed() -> None:
    """After the current transaction commits, recount the default figures in the background.

    Called for every new history row; queues at most one task per transaction.
    """
    if any(func is _queue_warm_up for _sids, func, _robust in connection.run_on_commit):
        return
    transaction.on_commit(_queue_warm_up)


def _queue_warm_up() -> None:
    from .tasks import warm_figures

    warm_figures.enqueue()


def figures_warm() -> int:
    """Count every active user's default figures (each app's `warm_figures` hook,
    and the home cards); returns how many users were served. Figures already
    counted for the data as it is now are cache hits, so a second run is cheap."""
    from tongxin.accounts.models import User

    from .hooks import collect

    users = list(User.objects.filter(is_active=True))
    for user in users:
        collect("warm_figures", user)
        collect("home_cards", user)
    return len(users)
