"""The login locks in force now, read from django-axes' failure records.

axes keeps one AccessAttempt row per (username, address, browser) with its
failure count and the time of its latest failure. With
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"] each list item is a
criterion of its own: an account is locked when its rows, from any address,
add up to AXES_FAILURE_LIMIT failures; an address likewise over any account.
Only rows whose latest failure lies within AXES_COOLOFF_TIME count.
"""

import datetime
from dataclasses import dataclass

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone

KINDS = {"username": "账号", "ip_address": "地址"}


@dataclass(frozen=True)
class LoginLock:
    kind: str  # "username" or "ip_address"
    value: str
    failures: int
    since: datetime.datetime  # the failure that reached the limit
    until: datetime.datetime  # when enough failures have aged out of the window

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


def _lock_from_rows(kind: str, value: str, rows: list[dict], limit: int, cool_off) -> LoginLock:
    rows = sorted(rows, key=lambda r: r["attempt_time"], reverse=True)
    total = sum(r["failures_since_start"] for r in rows)
    # The lock lasts while the rows still in the window add up to the limit:
    # it ends when the oldest row that is needed for that ages out.
    running = 0
    needed_until = rows[0]["attempt_time"]
    for row in rows:
        running += row["failures_since_start"]
        if running >= limit:
            needed_until = row["attempt_time"]
            break
    # No failure is recorded while locked (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT
    # is off), so the newest failure is the one that locked.
    return LoginLock(
        kind=kind,
        value=value,
        failures=total,
        since=rows[0]["attempt_time"],
        until=needed_until + cool_off,
    )


def login_locks_current(now: datetime.datetime | None = None) -> list[LoginLock]:
    """Every account and address locked now, newest lock first."""
    now = now or timezone.now()
    cool_off = get_cool_off()
    limit = settings.AXES_FAILURE_LIMIT
    rows = list(
        AccessAttempt.objects.filter(attempt_time__gte=now - cool_off).values(
            "username", "ip_address", "failures_since_start", "attempt_time"
        )
    )
    locks = []
    for kind in KINDS:
        groups: dict[str, list[dict]] = {}
        for row in rows:
            if row[kind]:
                groups.setdefault(row[kind], []).append(row)
        for value, group in groups.items():
            if sum(r["failures_since_start"] for r in group) >= limit:
                locks.append(_lock_from_rows(kind, value, group, limit, cool_off))
    return sorted(locks, key=lambda lock: lock.since, reverse=True)
