"""`tongxin purge_import_files`: delete uploaded roster files past their retention period.

`tongxin serve` runs the same purge each time it starts; this command is for
running it from cron, or by hand after shortening TONGXIN_IMPORT_FILE_RETENTION_DAYS.
"""

from django.core.management.base import BaseCommand

from tongxin.imports.retention import import_files_purge, retention_days


class Command(BaseCommand):
    help = "删除超过保留期限的导入原文件（已导入、已撤销或失败的批次；导入记录保留）。"

    def handle(self, *args, **options):
        count = import_files_purge()
        self.stdout.write(f"已删除 {count} 个超过 {retention_days()} 天的导入原文件。")
