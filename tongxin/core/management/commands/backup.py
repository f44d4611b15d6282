"""`tongxin backup [--output DIR]`: a consistent backup while the system runs.

See tongxin/core/backup/ for what the archive holds and docs/backup.md for
scheduling, retention and restoring.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tongxin.core.backup import BackupError, backup_create, human_size


class Command(BaseCommand):
    help = "备份数据库和上传文件（照片、导入文件、附件）到一个归档文件；系统运行时也可以备份。"
    # A backup must work even when a deployment check fails (say a demo
    # account in production): that is when one is wanted most.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            help="备份目录（默认 $TONGXIN_BACKUP_DIR，即 $TONGXIN_DATA_DIR/backups）",
        )

    def handle(self, *args, **options):
        output = Path(options["output"]) if options["output"] else None
        try:
            backup = backup_create(output_dir=output)
        except BackupError as error:
            raise CommandError(f"备份失败：{error}") from None
        counts = backup.manifest["counts"]
        self.stdout.write(f"备份完成：{backup.path}（{human_size(backup.size)}）")
        self.stdout.write(
            f"  数据库 {backup.manifest['engine']}，{len(counts)} 张表，"
            f"人员 {counts.get('people_person', 0)} 名，用户 {counts.get('accounts_user', 0)} 个；"
            f"上传文件 {len(backup.manifest['files']) - 1} 个"
        )
        if backup.manifest.get("media_elsewhere"):
            self.stdout.write(
                f"  上传文件在对象存储 {backup.manifest['media_elsewhere']} 中，不在本归档内："
                "请用存储桶的版本控制和复制另行备份（docs/deployment.md 10.8）。"
            )
        if backup.removed:
            rule = f"保留最新 {settings.BACKUP_KEEP} 个"
            if settings.BACKUP_KEEP_DAYS:
                rule += f"及 {settings.BACKUP_KEEP_DAYS} 天内的"
            self.stdout.write(
                f"  按保留设置（{rule}）删除旧备份 {len(backup.removed)} 个："
                + "、".join(p.name for p in backup.removed)
            )
        self.stdout.write(
            "  注意：密钥（$TONGXIN_DATA_DIR/secret_key、pii_keys.json）不在备份中，须另行妥善保存。"
        )
