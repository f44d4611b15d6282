"""`tongxin restore ARCHIVE [--yes]`: restore a `tongxin backup` archive into
an empty deployment (a new TONGXIN_DATA_DIR or a new empty database).

The archive is verified, and the target found empty, before anything is
written. Nothing else may use the deployment meanwhile: stop `tongxin serve`.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tongxin.core.backup import ENGINE_NAMES, BackupError, backup_restore

MAIN_TABLES = {"people_person": "人员", "accounts_user": "用户", "audit_auditentry": "审计日志"}


class Command(BaseCommand):
    help = "把 tongxin backup 生成的备份恢复到一个空的系统（新的数据目录或新建的空数据库）。"
    # A fresh, empty deployment fails some checks until its data is back.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("archive", help="备份文件（tongxin-YYYYmmdd-HHMMSS.tar.gz）")
        parser.add_argument("--yes", action="store_true", help="不询问，直接恢复")

    def handle(self, *args, **options):
        def confirm(manifest: dict, target: str) -> bool:
            counts = manifest["counts"]
            self.stdout.write(
                f"备份已校验：创建于 {manifest['created_at']}，"
                f"{ENGINE_NAMES.get(manifest['engine'], manifest['engine'])}，"
                f"人员 {counts.get('people_person', 0)} 名，文件 {len(manifest['files'])} 个。"
            )
            self.stdout.write(f"恢复到：{target}")
            if manifest["engine"] == "sqlite":
                self.stdout.write(
                    "恢复期间不能有其他进程使用该数据库：请先停止 tongxin serve 和后台任务进程。"
                )
            if options["yes"]:
                return True
            try:
                answer = input("输入 yes 开始恢复：")
            except EOFError:  # no terminal (cron, a script): only --yes restores
                self.stdout.write("")
                return False
            return answer.strip().lower() == "yes"

        try:
            result = backup_restore(archive=Path(options["archive"]), confirm=confirm)
        except BackupError as error:
            raise CommandError(f"恢复失败：{error}") from None

        self.stdout.write(f"已恢复数据库和上传文件 {result.media_files} 个。")
        for table, label in MAIN_TABLES.items():
            if table in result.counts:
                expected, found = result.counts[table]
                self.stdout.write(f"  {label}：备份 {expected}，恢复后 {found}")
        if result.mismatched:
            details = "；".join(
                f"{table} 备份 {result.counts[table][0]}、恢复后 {result.counts[table][1]}"
                for table in result.mismatched[:10]
            )
            raise CommandError(
                f"恢复后核对失败：{len(result.mismatched)} 张表的行数与备份清单不符（{details}）"
            )
        self.stdout.write(f"  全部 {len(result.counts)} 张表的行数与备份清单一致。")
        if result.integrity:
            if result.integrity != "ok":
                raise CommandError(
                    f"恢复后完整性检查（PRAGMA integrity_check）未通过：{result.integrity}"
                )
            self.stdout.write("  完整性检查（PRAGMA integrity_check）：ok")
        if result.pending_migrations:
            self.stdout.write(
                f"备份来自较早的版本：还有 {len(result.pending_migrations)} 项数据库迁移，"
                "请运行 tongxin migrate（恢复记录未写入审计日志）。"
            )
        if result.counts.get("people_person", (0, 0))[0] and not _pii_key_present():
            self.stdout.write(
                self.style.WARNING(
                    "注意：本系统还没有个人信息密钥（pii_keys.json 或 TONGXIN_PII_KEY）。"
                    "启动服务之前，请把原系统的密钥文件复制到数据目录，"
                    "否则已恢复的证件号码和手机号码无法读取。"
                )
            )
        self.stdout.write(self.style.SUCCESS("恢复完成。"))


def _pii_key_present() -> bool:
    if getattr(settings, "PII_KEY", "") or os.environ.get("TONGXIN_PII_KEY"):
        return True
    try:
        from tongxin.core.pii import key_file_path
    except ImportError:  # before personal-information encryption existed
        return True
    return key_file_path().exists()
