"""Rotating the key that encrypts resident IDs and mobiles (`tongxin pii_rotate_key`).

A new key is added to the key file and made current; then every encrypted
value not under it is decrypted and encrypted again, a few thousand rows per
short transaction. Reads never stop: a row not yet re-encrypted still names
its old key, which stays in the key file, and a process that meets a key id
it does not know re-reads the file (core/pii.py). Old keys are removed only
by `retire_keys`, after a scan shows no value uses them.

The blind-index key is not rotated: the hashes would all change at once and
lookups in between would miss (docs/deployment.md).
"""

from collections import Counter
from collections.abc import Callable

from django.apps import apps
from django.db import connection, transaction

from . import pii, registries

BATCH_SIZE = 2000


def encrypted_columns() -> list[tuple[type, list]]:
    """(model, its encrypted fields) for every model with one (persons, their history, …)."""
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if getattr(f, "encrypted", False)]
        if fields and not model._meta.proxy:
            found.append((model, fields))
    return found


def add_key() -> str:
    """Add a new encryption key to the key file and make it current; its id."""
    if getattr(pii.settings, "PII_KEY", ""):
        raise pii.PIIKeyError(
            "TONGXIN_PII_KEY 中的单一密钥无法轮换；请改用密钥文件（见 docs/deployment.md）"
        )
    path = pii.key_file_path()
    ring = pii.load_key_file(path, create=False)
    key_id = pii.new_key_id(ring.keys)
    keys = {**ring.keys, key_id: pii.AESGCM.generate_key(bit_length=256)}
    new = pii.Keyring.build(current=key_id, keys=keys, index_key=ring.index_key, source=str(path))
    pii.write_key_file(path, new, replace=True)
    pii.keyring(refresh=True)
    return key_id


def _reencrypt_table(model, fields, *, batch_size: int, progress=None) -> int:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    pk = quote(model._meta.pk.column)
    columns = ", ".join(quote(f.column) for f in fields)
    last = None
    changed = 0
    while True:
        # Each batch its own short transaction: other writers wait at most
        # one batch, readers never.
        with transaction.atomic():
            ring = pii.keyring()
            with connection.cursor() as cursor:
                where = f"WHERE {pk} > %s " if last is not None else ""
                cursor.execute(
                    f"SELECT {pk}, {columns} FROM {table} {where}ORDER BY {pk} LIMIT %s",
                    [last, batch_size] if last is not None else [batch_size],
                )
                rows = cursor.fetchall()
                if not rows:
                    return changed
                last = rows[-1][0]
                for position, field in enumerate(fields, start=1):
                    updates = []
                    for row in rows:
                        stored = row[position]
                        if stored and pii.key_id_of(stored) != ring.current:
                            plain = pii.decrypt(stored, field.name, ring=ring)
                            new = pii.encrypt(plain, field.name, ring=ring)
                            updates.append([new, row[0], stored])
                    if updates:
                        column = quote(field.column)
                        # Only if unchanged since read: a concurrent edit wins.
                        cursor.executemany(
                            f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND {column} = %s",
                            updates,
                        )
                        changed += len(updates)
        if progress:
            progress(model._meta.db_table, changed)


def reencrypt_all(
    *, batch_size: int = BATCH_SIZE, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Encrypt again under the current key every value that is not; counts per table.

    `progress(table, values re-encrypted so far)` is called after each batch.
    """
    counts = {}
    for model, fields in encrypted_columns():
        counts[model._meta.db_table] = _reencrypt_table(
            model, fields, batch_size=batch_size, progress=progress
        )
    # Values kept outside encrypted columns (an import's undo data, …).
    for extra in registries.encrypted_extras:
        counts[extra.table] = extra.reencrypt()
    return counts


def key_usage() -> Counter:
    """How many stored values each key id encrypts, by a scan of every encrypted column."""
    quote = connection.ops.quote_name
    usage: Counter = Counter()
    for model, fields in encrypted_columns():
        table = quote(model._meta.db_table)
        for field in fields:
            column = quote(field.column)
            if connection.vendor == "postgresql":
                key = f"split_part({column}, '$', 1)"
            else:
                key = f"substr({column}, 1, instr({column}, '$') - 1)"
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {key}, count(*) FROM {table} "
                    f"WHERE {column} IS NOT NULL AND {column} <> '' GROUP BY 1"
                )
                for key_id, count in cursor.fetchall():
                    usage[key_id] += count
    for extra in registries.encrypted_extras:
        for key_id in extra.key_ids():
            usage[key_id] += 1
    return usage


class KeyInUseError(Exception):
    pass


def retire_keys(key_ids: list[str] | None = None) -> tuple[list[str], Counter]:
    """Remove old keys no value uses any more (all such, or those named).

    Refuses (KeyInUseError) to remove the current key or one a scan finds in
    use. Returns (the ids removed, the usage the scan found).
    """
    path = pii.key_file_path()
    ring = pii.load_key_file(path, create=False)
    usage = key_usage()
    if key_ids:
        unknown = [k for k in key_ids if k not in ring.keys]
        if unknown:
            raise KeyInUseError(f"密钥文件中没有密钥：{', '.join(unknown)}")
        if ring.current in key_ids:
            raise KeyInUseError(f"密钥 {ring.current} 是当前密钥，不能停用")
        in_use = [k for k in key_ids if usage.get(k)]
        if in_use:
            detail = "，".join(f"{k}（{usage[k]}个值）" for k in in_use)
            raise KeyInUseError(
                f"密钥仍在使用，不能停用：{detail}；请先运行 tongxin pii_rotate_key --no-new-key"
            )
        retire = list(key_ids)
    else:
        retire = [k for k in ring.keys if k != ring.current and not usage.get(k)]
    if retire:
        keys = {k: v for k, v in ring.keys.items() if k not in retire}
        new = pii.Keyring.build(
            current=ring.current, keys=keys, index_key=ring.index_key, source=str(path)
        )
        pii.write_key_file(path, new, replace=True)
        pii.keyring(refresh=True)
    return retire, usage
