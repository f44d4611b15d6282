"""Audit retention: at least 180 days whatever the setting; `tongxin purge_audit`
deletes older entries through the one escape hatch and audits its own run."""

import datetime
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from tongxin.audit.checks import audit_retention_check
from tongxin.audit.models import AuditEntry, delete_entries_before
from tongxin.audit.retention import retention_days
from tongxin.audit.services import audit_log

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 22, 12, 0, tzinfo=datetime.UTC)


def _entry_days_ago(days: int, label: str) -> AuditEntry:
    with time_machine.travel(NOW - datetime.timedelta(days=days), tick=False):
        return audit_log(action=AuditEntry.Action.VIEW, object_type="test", object_repr=label)


def _purge(*args) -> str:
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("purge_audit", *args, stdout=out)
    return out.getvalue()


def _purge_entry() -> AuditEntry:
    return AuditEntry.objects.get(action=AuditEntry.Action.DELETE, object_type="audit.auditentry")


def test_it_purges_entries_older_than_the_retention(settings):
    settings.AUDIT_RETENTION_DAYS = 365
    old = _entry_days_ago(400, "四百天前")
    kept = _entry_days_ago(200, "二百天前")

    output = _purge()

    assert "已删除 1 条" in output
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.filter(pk=kept.pk).exists()
    entry = _purge_entry()
    assert entry.changes["count"] == 1
    assert entry.changes["retention_days"] == 365
    assert entry.changes["cutoff"].startswith("2025-11-22")


def test_at_the_minimum_only_entries_older_than_180_days_go(settings):
    settings.AUDIT_RETENTION_DAYS = 180
    kept = _entry_days_ago(200, "二百天前")
    gone = _entry_days_ago(181, "一百八十一天前")
    young = _entry_days_ago(179, "一百七十九天前")

    _purge()

    assert not AuditEntry.objects.filter(pk=kept.pk).exists()
    assert not AuditEntry.objects.filter(pk=gone.pk).exists()
    assert AuditEntry.objects.filter(pk=young.pk).exists()


def test_a_setting_of_30_still_keeps_180_days(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    month_old = _entry_days_ago(31, "三十一天前")
    half_year = _entry_days_ago(170, "一百七十天前")
    old = _entry_days_ago(200, "二百天前")

    assert retention_days() == 180
    _purge()

    assert AuditEntry.objects.filter(pk__in=[month_old.pk, half_year.pk]).count() == 2
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert _purge_entry().changes["retention_days"] == 180


def test_a_setting_below_180_is_a_system_check_warning(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    warnings = audit_retention_check(None)
    assert [w.id for w in warnings] == ["tongxin.audit.W001"]
    assert "审计日志保存期不得少于180天" in warnings[0].msg
    settings.AUDIT_RETENTION_DAYS = 180
    assert audit_retention_check(None) == []


def test_dry_run_counts_and_deletes_nothing(settings):
    settings.AUDIT_RETENTION_DAYS = 365
    old = _entry_days_ago(400, "四百天前")

    output = _purge("--dry-run")

    assert "将删除 1 条" in output
    assert AuditEntry.objects.filter(pk=old.pk).exists()
    assert not AuditEntry.objects.filter(object_type="audit.auditentry").exists()


def test_a_run_with_nothing_due_is_audited_too(settings):
    settings.AUDIT_RETENTION_DAYS = 365
    _purge()
    assert _purge_entry().changes["count"] == 0


def test_the_escape_hatch_refuses_to_cut_into_the_minimum():
    young = _entry_days_ago(10, "十天前")
    with pytest.raises(PermissionDenied):
        delete_entries_before(timezone.now() - datetime.timedelta(days=100))
    assert AuditEntry.objects.filter(pk=young.pk).exists()


def test_entries_still_refuse_update_and_delete_everywhere_else():
    entry = _entry_days_ago(400, "四百天前")
    with pytest.raises(PermissionDenied):
        entry.delete()
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.filter(pk=entry.pk).update(object_repr="x")
    entry.object_repr = "改过"
    with pytest.raises(PermissionDenied):
        entry.save()


def _serve(monkeypatch) -> str:
    from tongxin.core.management.commands import serve

    monkeypatch.setattr(serve, "check_ready_to_serve", lambda: None)
    # The child processes are not the point here.
    monkeypatch.setattr(serve, "run_together", lambda commands, stderr: 0)
    monkeypatch.setattr(serve.connections, "close_all", lambda: None)
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("serve", stdout=out)
    return out.getvalue()


def test_serve_purges_due_entries_before_starting(settings, monkeypatch):
    settings.AUDIT_RETENTION_DAYS = 365
    old = _entry_days_ago(400, "四百天前")

    output = _serve(monkeypatch)

    assert "已删除 1 条超过365天保存期的审计日志" in output
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert _purge_entry().changes["count"] == 1


def test_serve_writes_no_purge_entry_when_nothing_is_due(settings, monkeypatch):
    settings.AUDIT_RETENTION_DAYS = 365
    _entry_days_ago(200, "二百天前")

    output = _serve(monkeypatch)

    assert "审计日志" not in output
    assert not AuditEntry.objects.filter(object_type="audit.auditentry").exists()
