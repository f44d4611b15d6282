"""Reads that may be a moment old go to the PostgreSQL streaming replica.

Which reads: the GET requests of the pages named in REPLICA_READ_VIEWS (the
structure analysis, 附件1, the person export, the home page's figures), and
only while REPLICA_ENABLED (TONGXIN_REPLICA_URL is set). Everything else —
every write, every other page, the task worker, management commands — reads
the primary.

Read-your-writes: a request that may have changed something (any method but
GET, HEAD, OPTIONS) sets a cookie that lives REPLICA_READ_YOUR_WRITES_SECONDS;
while the browser sends it back, that user's reads all go to the primary, so
a user never sees the figures from before their own change. (The cookie only
ever sends a user *to the primary*; forging it gains nothing.)

Even on a replica page some reads stay on the primary:
- the apps in REPLICA_NEVER_APPS (sessions, accounts, placements, lockouts,
  the task queue): who the user is and what they may see is never a moment old,
  and the shared cache keeps scopes under a version that the replica could
  be behind of;
- any read inside a transaction on the primary (it must see its own writes).
"""

import contextvars
import fnmatch

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
COOKIE = "tongxin_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_replica_reads: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "replica_reads", default=False
)


def replica_reads_allowed() -> bool:
    """True while this request's reads may go to the replica."""
    return _replica_reads.get()


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not (_replica_reads.get() and settings.REPLICA_ENABLED):
            return DEFAULT_DB_ALIAS
        if model._meta.app_label in settings.REPLICA_NEVER_APPS:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica follows the primary's WAL; nothing is migrated on it.
        return db == DEFAULT_DB_ALIAS


def _view_may_read_replica(view_name: str) -> bool:
    return any(fnmatch.fnmatchcase(view_name, pattern) for pattern in settings.REPLICA_READ_VIEWS)


class ReplicaReadsMiddleware:
    """Lets the views in REPLICA_READ_VIEWS read the replica, except for a user
    who changed something less than REPLICA_READ_YOUR_WRITES_SECONDS ago."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _replica_reads.set(False)
        try:
            response = self.get_response(request)
        finally:
            _replica_reads.reset(token)
        if request.method not in SAFE_METHODS and settings.REPLICA_ENABLED:
            seconds = settings.REPLICA_READ_YOUR_WRITES_SECONDS
            response.set_cookie(
                COOKIE,
                "1",
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (
            settings.REPLICA_ENABLED
            and request.method in SAFE_METHODS
            and COOKIE not in request.COOKIES
            and request.resolver_match is not None
            and _view_may_read_replica(request.resolver_match.view_name)
        ):
            _replica_reads.set(True)
        return None
