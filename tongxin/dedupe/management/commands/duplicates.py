"""`tongxin duplicates [--json] [--region CODE]`: the candidate pairs, for scripts."""

import json

from django.core.management.base import BaseCommand, CommandError

from tongxin.dedupe.models import DuplicatePair
from tongxin.dedupe.services import candidates_refresh
from tongxin.regions.models import Region
from tongxin.regions.scope import subtree_of


class Command(BaseCommand):
    help = "查找疑似重复的人员，列出候选对（编号、规则、得分）"

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="以JSON输出")
        parser.add_argument("--region", metavar="CODE", help="只列两人都在该区域（含下级）的候选对")
        parser.add_argument(
            "--no-refresh", action="store_true", help="不重新查找，只列出已保存的候选对"
        )

    def handle(self, *args, **options):
        pairs = DuplicatePair.objects.filter(status=DuplicatePair.Status.OPEN)
        if options["region"]:
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                raise CommandError(f"区域代码 {options['region']} 不存在")
            scope = subtree_of(region)
            pairs = scope.filter(scope.filter(pairs, "person_a__region"), "person_b__region")
        summary = None if options["no_refresh"] else candidates_refresh()
        rows = [
            {"person_a": a, "person_b": b, "rule": code, "score": score}
            for a, b, code, score in pairs.order_by("person_a_id", "person_b_id").values_list(
                "person_a_id", "person_b_id", "rule__code", "score"
            )
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        for row in rows:
            self.stdout.write(
                f"{row['person_a']}\t{row['person_b']}\t{row['rule']}\t{row['score']}"
            )
        if summary is not None:
            skipped = sum(summary["skipped_blocks"].values())
            self.stderr.write(
                f"共 {len(rows)} 对；本次新发现 {summary['new']} 对，"
                f"更新键 {summary['keys_made']} 人，跳过过大分组 {skipped} 个"
            )
