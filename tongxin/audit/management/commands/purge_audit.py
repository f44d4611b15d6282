"""`tongxin purge_audit [--dry-run]`: delete audit entries past their retention period.

Only this command deletes audit entries; the pages and the admin cannot.
Run it from cron (daily is plenty).
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from tongxin.audit.retention import audit_purge


class Command(BaseCommand):
    help = "删除超过保存期（TONGXIN_AUDIT_RETENTION_DAYS，不少于180天）的审计日志，并记入审计日志。"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只统计，不删除。")

    def handle(self, *args, dry_run=False, **options):
        result = audit_purge(dry_run=dry_run)
        cutoff = f"{timezone.localtime(result.cutoff):%Y-%m-%d %H:%M}"
        if dry_run:
            self.stdout.write(
                f"将删除 {result.count} 条 {cutoff} 之前的审计日志（保存{result.days}天）；未删除。"
            )
        else:
            self.stdout.write(
                f"已删除 {result.count} 条 {cutoff} 之前的审计日志（保存{result.days}天）。"
            )
