"""`tongxin import FILE [--commit] [--on-duplicate skip|update] [--json] [--user NAME]`.

Without --commit it is a preview that writes nothing. With --commit every
valid row is written in one transaction, recorded as an import batch that can
be undone in the web UI.
"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tongxin.accounts.models import User
from tongxin.imports.committing import import_file
from tongxin.imports.files import ImportFileError
from tongxin.imports.models import ImportBatch
from tongxin.regions.models import Region

SHOWN_PROBLEMS = 50


class Command(BaseCommand):
    help = "导入人员名单（xlsx/xls/ods/csv）；不加 --commit 时只预览，不写入任何数据。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="要导入的文件")
        parser.add_argument("--commit", action="store_true", help="写入数据库（默认只预览）")
        parser.add_argument(
            "--on-duplicate",
            choices=[c.value for c in ImportBatch.OnDuplicate],
            default=ImportBatch.OnDuplicate.SKIP,
            help="已登记人员（按公民身份号码）：skip 跳过（默认）或 update 更新",
        )
        parser.add_argument("--json", action="store_true", help="以一个 JSON 对象输出统计")
        parser.add_argument(
            "--user", help="以该用户的身份和区域权限导入（默认：不限区域的系统导入）"
        )
        parser.add_argument("--region", help="默认所属区域（名称或6位代码）")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(f"用户不存在或已停用：{options['user']}")
            if not (actor.is_superuser or actor.can_edit_persons):
                raise CommandError(f"用户 {actor.username} 无权导入人员")
        region = None
        if options["region"]:
            key = options["region"].strip()
            region = (
                Region.objects.filter(code=key).first() or Region.objects.filter(name=key).first()
            )
            if region is None:
                raise CommandError(f"区域不存在：{key}")

        quiet = options["json"]

        def progress(phase: str, done: int, total: int) -> None:
            if not quiet or options["verbosity"] > 1:
                sys.stderr.write(f"{phase}：{done}/{total}\n")
                sys.stderr.flush()

        try:
            result = import_file(
                actor=actor,
                path=path,
                commit=options["commit"],
                on_duplicate=options["on_duplicate"],
                default_region=region,
                progress=progress,
            )
        except ImportFileError as error:
            raise CommandError(error.message) from None
        analysis = result.analysis
        counts = {
            key: analysis.counts[key]
            for key in (
                "rows",
                "created",
                "updated",
                "unchanged",
                "skipped",
                "invalid",
                "duplicates_in_file",
            )
        }
        if quiet:
            payload = {**counts, "committed": options["commit"]}
            if result.batch is not None:
                payload["batch"] = result.batch.pk
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        verb = "已导入" if options["commit"] else "预览（未写入任何数据）"
        self.stdout.write(
            f"{verb}：共 {counts['rows']} 行；新增 {counts['created']}，更新 {counts['updated']}，"
            f"无变化 {counts['unchanged']}，跳过 {counts['skipped']}，有错误 {counts['invalid']}，"
            f"文件内重复 {counts['duplicates_in_file']}；另有 {analysis.counts['warnings']} 行"
            "有提示（仍导入）"
        )
        if analysis.counts.get("examples"):
            self.stdout.write(f"已跳过模板中的示例行 {analysis.counts['examples']} 行")
        problems = analysis.problems()
        for problem in problems[:SHOWN_PROBLEMS]:
            column = f" {problem['column']}" if problem["column"] else ""
            self.stdout.write(f"  第{problem['row']}行{column}：{problem['message']}")
        if len(problems) > SHOWN_PROBLEMS:
            self.stdout.write(f"  …另有 {len(problems) - SHOWN_PROBLEMS} 条问题")
        warnings = analysis.warnings(SHOWN_PROBLEMS)
        for warning in warnings:
            column = f" {warning['column']}" if warning["column"] else ""
            self.stdout.write(f"  提示 第{warning['row']}行{column}：{warning['message']}")
        unknown = analysis.unknown_values()
        if unknown:
            self.stdout.write("无法识别的值（在网页导入的预览中可为每个写法选择一次对应项）：")
            for group in unknown:
                self.stdout.write(f"  {group['column']}“{group['value']}”：{group['rows']} 行")
        if result.batch is not None:
            self.stdout.write(f"导入批次 #{result.batch.pk}，可在网页“导入”中查看或撤销。")
