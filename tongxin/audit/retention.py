"""How long audit entries are kept (GB/T 22239 and PIPL: at least 180 days).

settings.AUDIT_RETENTION_DAYS (TONGXIN_AUDIT_RETENTION_DAYS, default 365) says
how long; a value below the legal minimum is raised to it, and the system check
in checks.py warns about the setting. `tongxin purge_audit` deletes what is
older, through the one escape hatch in models.py, and audits its own run.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import MINIMUM_RETENTION_DAYS, AuditEntry, delete_entries_before
from .services import audit_log

DEFAULT_RETENTION_DAYS = 365


def configured_days() -> int:
    return int(getattr(settings, "AUDIT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def retention_days() -> int:
    """The retention in force: the setting, never less than the legal minimum."""
    return max(MINIMUM_RETENTION_DAYS, configured_days())


@dataclass(frozen=True)
class PurgeResult:
    cutoff: datetime.datetime
    days: int
    count: int


@transaction.atomic
def audit_purge(*, dry_run: bool = False) -> PurgeResult:
    """Delete audit entries older than the retention period.

    A real run writes one entry of its own (cutoff, count, retention), also
    when nothing was due, so every run of the purge is itself on record.
    """
    days = retention_days()
    cutoff = timezone.now() - datetime.timedelta(days=days)
    if dry_run:
        return PurgeResult(cutoff, days, AuditEntry.objects.filter(at__lt=cutoff).count())
    count = delete_entries_before(cutoff)
    audit_log(
        action=AuditEntry.Action.DELETE,
        object_type=AuditEntry._meta.label_lower,
        object_repr=f"审计日志（保存{days}天）",
        changes={
            "cutoff": timezone.localtime(cutoff).isoformat(timespec="seconds"),
            "count": count,
            "retention_days": days,
        },
    )
    return PurgeResult(cutoff, days, count)


def serve_purge() -> str | None:
    """At `tongxin serve` start (core/registries.py): purge the entries past
    TONGXIN_AUDIT_RETENTION_DAYS (never under 180 days), only when some are
    due, so a restart does not add a purge entry each time."""
    if not audit_purge(dry_run=True).count:
        return None
    result = audit_purge()
    return f"已删除 {result.count} 条超过{result.days}天保存期的审计日志"
