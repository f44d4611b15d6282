"""`tongxin pii_rotate_key [--no-new-key] [--batch-size N]` and `--retire [KEY_ID …]`.

Rotation adds a new key to the key file, makes it current and re-encrypts
every resident ID and mobile (persons, their history, undo data of imports)
in short batches while the system stays in use. `--retire` afterwards
removes old keys that a scan finds unused. Procedure: docs/deployment.md.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tongxin.core import pii, pii_rotation, registries


class Command(BaseCommand):
    help = "轮换公民身份号码和手机号码的加密密钥：新增密钥并用它重新加密全部数据，读取不中断。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-new-key",
            action="store_true",
            help="不新增密钥，只把尚未用当前密钥加密的值重新加密（例如上次轮换被中断后）",
        )
        parser.add_argument(
            "--retire",
            nargs="*",
            metavar="KEY_ID",
            help="停用不再被任何数据使用的旧密钥（先扫描核实）；可指定密钥编号，否则停用全部未用旧密钥",
        )
        parser.add_argument(
            "--batch-size", type=int, default=pii_rotation.BATCH_SIZE, help="每批重新加密的行数"
        )

    def handle(self, *args, no_new_key=False, retire=None, batch_size=0, **options):
        try:
            if retire is not None:
                self._retire(retire)
            else:
                self._rotate(new_key=not no_new_key, batch_size=batch_size)
        except (pii.PIIKeyError, pii_rotation.KeyInUseError) as error:
            raise CommandError(str(error)) from None

    def _rotate(self, *, new_key: bool, batch_size: int) -> None:
        key_id = pii_rotation.add_key() if new_key else pii.keyring(refresh=True).current
        if new_key:
            self.stdout.write(f"新密钥 {key_id} 已设为当前密钥（{pii.key_file_path()}）")

        last_report = {}

        def progress(table: str, count: int) -> None:
            # Every 10,000 values, not every batch: a million persons is 500 batches.
            if count - last_report.get(table, -10_000) >= 10_000:
                last_report[table] = count
                self.stdout.write(f"  {table}：已重新加密 {count} 个值")

        counts = pii_rotation.reencrypt_all(batch_size=batch_size, progress=progress)
        with transaction.atomic():
            registries.audit(
                action="update",
                object_type="pii_key",
                object_id=key_id,
                object_repr="个人信息加密密钥轮换",
                username="system",
                changes={"new_key": new_key, "current_key": key_id, "reencrypted": counts},
            )
        self.stdout.write(
            self.style.SUCCESS(f"完成：共重新加密 {sum(counts.values())} 个值，当前密钥 {key_id}")
        )

    def _retire(self, key_ids: list[str]) -> None:
        retired, usage = pii_rotation.retire_keys(key_ids or None)
        in_use = {key: count for key, count in usage.items() if count}
        with transaction.atomic():
            registries.audit(
                action="update",
                object_type="pii_key",
                object_id=",".join(retired),
                object_repr="停用个人信息加密旧密钥",
                username="system",
                changes={"retired": retired, "values_per_key": in_use},
            )
        ring = pii.keyring(refresh=True)
        kept = [k for k in ring.keys if k != ring.current]
        self.stdout.write(f"扫描结果（各密钥加密的值）：{in_use or '无'}")
        if retired:
            self.stdout.write(self.style.SUCCESS(f"已停用密钥：{', '.join(retired)}"))
        else:
            self.stdout.write("没有可停用的旧密钥")
        if kept:
            self.stdout.write(
                f"仍在使用的旧密钥：{', '.join(kept)}；请先运行 tongxin pii_rotate_key --no-new-key"
            )
