"""Figures kept until the data they were counted from changes.

Counting a million persons takes tens to hundreds of milliseconds and the
same count is asked for again and again (every page of a list, every home
page view) while the data changes far less often. Every write to a person,
a quota or a review adds a history row, so the newest history ids name the
state of the data: a key that contains them can never serve a stale figure.
"""

import contextvars
import hashlib
import time

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connections, router

KEEP_SECONDS = 600
# The worker counts the default figures again this often, before they expire,
# so a page opened after a quiet spell still finds them (keep_figures_warm).
REFRESH_SECONDS = KEEP_SECONDS // 2
# While set (by figures_warm), remembered figures older than this many seconds
# are counted again even though they have not expired.
_refresh_older_than: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "refresh_older_than", default=None
)


# While a read-only request runs (VersionsPerRequestMiddleware below): the versions it
# has read, by (database, model). One page asks for the persons' version up to
# five times (each kept figure names it in its key).
_request_versions: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "request_versions", default=None
)


def data_version(*models) -> tuple[int, ...]:
    """The newest history id of each model (each has simple-history), in one
    query per database; read once per model in a GET request (see
    `VersionsPerRequestMiddleware`)."""
    memo = _request_versions.get()
    keys = [(router.db_for_read(m.history.model), m._meta.label) for m in models]
    known = memo if memo is not None else {}
    missing = {key: m for key, m in zip(keys, models, strict=True) if key not in known}
    read = _newest(missing)
    if memo is not None:
        memo.update(read)
    return tuple(known.get(key, read.get(key, 0)) for key in keys)


def _newest(models: dict) -> dict:
    """{(database, label): newest history id} for {(database, label): model}:
    one statement per database, MAX(history_id) of each history table (its
    primary key: the last entry of its index)."""
    found = {}
    aliases = {alias for alias, _label in models}
    for alias in aliases:
        keys = [key for key in models if key[0] == alias]
        quote = connections[alias].ops.quote_name
        columns = ", ".join(
            f"(SELECT MAX({quote('history_id')}) FROM "
            f"{quote(models[key].history.model._meta.db_table)})"
            for key in keys
        )
        with connections[alias].cursor() as cursor:
            cursor.execute(f"SELECT {columns}")
            row = cursor.fetchone()
        found.update({key: value or 0 for key, value in zip(keys, row, strict=True)})
    return found


class VersionsPerRequestMiddleware:
    """Middleware: in a GET or HEAD request, `data_version` reads each model's
    version once. Such a request changes no tracked rows (a GET writes at most
    an audit row), and every figure it shows names the version it was counted
    at: the same version throughout one page, as the page was when it began.
    Other methods change data and read the versions afresh each time."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        token = _request_versions.set({})
        try:
            return self.get_response(request)
        finally:
            _request_versions.reset(token)


EPOCH_KEY = "figures:epoch"


def figures_epoch() -> int:
    """Bumped by `figures_reset`; part of every key, so a reset forgets every figure."""
    return cache.get(EPOCH_KEY) or 0


def figures_reset() -> None:
    """Forget every remembered figure. For writes that delete history rows
    (erasure): they can leave the newest history ids as they were, and the
    kept counts (kept_counts.py) could no longer tell what the rows were."""
    try:
        cache.incr(EPOCH_KEY)
    except ValueError:  # not set yet
        cache.set(EPOCH_KEY, 1, None)


def refresh_older_than() -> float | None:
    """While the worker refreshes figures (figures_warm), the age in seconds
    above which remembered figures are counted again; otherwise None."""
    return _refresh_older_than.get()


def remembered(namespace: str, parts, compute, *, seconds: int = KEEP_SECONDS):
    """compute(), or what it returned before for the same `parts`.

    `parts` must name everything the result depends on, including a
    `data_version`, and have a stable repr.
    """
    # v2: entries are (counted at, value).
    key = f"{namespace}:v2:" + hashlib.sha1(repr((parts, figures_epoch())).encode()).hexdigest()
    kept = cache.get(key)
    now = time.time()
    older_than = _refresh_older_than.get()
    if kept is not None and (older_than is None or now - kept[0] < older_than):
        return kept[1]
    value = compute()
    cache.set(key, (now, value), seconds)
    return value


def figures_warm(*, refresh_older_than: float | None = None) -> int:
    """Count every active user's default figures (each app's `warm_figures` hook,
    and the home cards); returns how many users were served. Figures already
    counted for the data as it is now are cache hits, so a second run is cheap;
    with `refresh_older_than`, those counted longer ago than that many seconds
    are counted again (users sharing a scope share the fresh count)."""
    from .hooks import collect

    users = list(get_user_model().objects.filter(is_active=True))
    token = _refresh_older_than.set(refresh_older_than)
    try:
        for user in users:
            collect("warm_figures", user)
            collect("home_cards", user)
    finally:
        _refresh_older_than.reset(token)
    return len(users)


KEEP_WARM_KEY = "figures:keep-warm"
