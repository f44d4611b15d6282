"""Checking an archive and restoring it into an empty deployment."""

import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from .. import registries
from .common import (
    DB_MEMBERS,
    ENGINE_NAMES,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MEDIA_PREFIX,
    BackupError,
    Restore,
    _quote,
    _sha256,
    pg_environment,
    pg_tool,
    pg_tool_version,
)


def backup_verify(*, archive: Path, into: Path) -> dict:
    """Unpack `archive` into the directory `into` and check every member
    against the manifest's sha256; returns the manifest. Raises BackupError
    for anything damaged, missing, extra or not a tongxin backup."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"找不到备份文件：{archive}")
    damaged = f"备份文件已损坏或不是同心备份：{archive}"
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                if member.isdir():
                    continue
                if not member.isfile() or not (
                    member.name == MANIFEST
                    or member.name in DB_MEMBERS.values()
                    or member.name.startswith(MEDIA_PREFIX)
                ):
                    raise BackupError(f"{damaged}（不应有的成员 {member.name}）")
                tar.extract(member, into, filter="data")
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise BackupError(f"{damaged}（{error}）") from None
    into = Path(into)
    try:
        manifest = json.loads((into / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BackupError(f"{damaged}（没有可读的 {MANIFEST}）") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{damaged}（{MANIFEST} 不是同心备份清单）")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"备份格式版本 {manifest.get('format_version')} 与本程序（{FORMAT_VERSION}）不同，"
            "请用创建该备份的同心版本恢复。"
        )
    listed = manifest.get("files") or {}
    present = {path.relative_to(into).as_posix() for path in into.rglob("*") if path.is_file()}
    present.discard(MANIFEST)
    if manifest.get("database", {}).get("member") not in listed:
        raise BackupError(f"{damaged}（清单中没有数据库）")
    missing = sorted(set(listed) - present)
    extra = sorted(present - set(listed))
    if missing or extra:
        raise BackupError(
            f"备份文件校验失败：{archive}"
            + (f"；缺少 {len(missing)} 个文件（{missing[0]} 等）" if missing else "")
            + (f"；多出 {len(extra)} 个清单之外的文件（{extra[0]} 等）" if extra else "")
        )
    for member, expected in sorted(listed.items()):
        if _sha256(into / member) != expected.get("sha256"):
            raise BackupError(f"备份文件校验失败：{member} 的校验值与清单不符，备份已损坏。")
    return manifest


def backup_restore(
    *,
    archive: Path,
    confirm: Callable[[dict, str], bool] = lambda manifest, target: True,
    database: str = DEFAULT_DB_ALIAS,
) -> Restore:
    """Restore `archive` into this deployment, which must be empty.

    Order matters: the archive is verified, its engine and migrations checked
    and the target found empty before `confirm(manifest, target)` is asked and
    anything is written. Afterwards the restored database is counted against
    the manifest (and integrity-checked on SQLite).
    """
    connection = connections[database]
    data_dir = Path(settings.DATA_DIR)
    data_dir.mkdir(parents=True, exist_ok=True)
    # Unpacked beside the deployment, not in /tmp, which may be small.
    staging = Path(tempfile.mkdtemp(prefix=".tongxin-restore-", dir=data_dir))
    try:
        manifest = backup_verify(archive=archive, into=staging)
        engine = manifest.get("engine")
        if engine != connection.vendor:
            raise BackupError(
                f"这是 {ENGINE_NAMES.get(engine, engine)} 数据库的备份，而本系统使用 "
                f"{ENGINE_NAMES.get(connection.vendor, connection.vendor)}：不能跨数据库类型恢复。"
                "请在同类型的数据库上恢复。"
            )
        _refuse_newer_migrations(manifest)
        _refuse_non_empty(connection)
        pg_restore = _pg_restore_for(connection, manifest) if engine == "postgresql" else ""
        target = describe_target(connection)
        if not confirm(manifest, target):
            raise BackupError("未确认，已取消恢复，未做任何更改。")

        db_file = staging / manifest["database"]["member"]
        if engine == "sqlite":
            _restore_sqlite(connection, db_file)
        else:
            _restore_postgresql(connection, db_file, pg_restore)
        media_files = _restore_media(staging)

        connection.close()
        tables = set(connection.introspection.table_names())
        counts = {}
        with connection.cursor() as cursor:
            for table, expected in manifest["counts"].items():
                found = None
                if table in tables:
                    cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")
                    found = cursor.fetchone()[0]
                counts[table] = (expected, found)
            integrity = ""
            if engine == "sqlite":
                cursor.execute("PRAGMA integrity_check")
                integrity = "; ".join(row[0] for row in cursor.fetchall())
        pending = pending_migrations(connection)
        result = Restore(
            manifest=manifest,
            target=target,
            counts=counts,
            integrity=integrity,
            media_files=media_files,
            pending_migrations=pending,
        )
        if not pending:
            # After the count check: this entry is the one row the backup did not have.
            _audit_restore(Path(archive), result)
        return result
    except (DatabaseError, connection.Database.Error) as error:
        raise BackupError(f"数据库操作失败：{error}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def describe_target(connection) -> str:
    if connection.vendor == "sqlite":
        return (
            f"SQLite 数据库 {connection.settings_dict['NAME']}，上传文件目录 {settings.MEDIA_ROOT}"
        )
    params = connection.settings_dict
    host = params.get("HOST") or "localhost"
    return (
        f"PostgreSQL 数据库 {params['NAME']}（{host}:{params.get('PORT') or 5432}），"
        f"上传文件目录 {settings.MEDIA_ROOT}"
    )


def pending_migrations(connection) -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def _refuse_newer_migrations(manifest: dict) -> None:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = [
        f"{app}.{name}"
        for app, names in manifest.get("migrations", {}).items()
        for name in names
        if (app, name) not in known
    ]
    if unknown:
        raise BackupError(
            f"备份来自较新版本的同心（{manifest.get('tongxin_version', '未知版本')}），"
            f"其中有本程序没有的数据库迁移（{'、'.join(unknown[:3])}"
            f"{'等' if len(unknown) > 3 else ''}）：请先把程序升级到该版本再恢复。"
        )


def _refuse_non_empty(connection) -> None:
    """Restoring over live data is how data gets lost: only an empty target
    (no tables at all, or no persons and no users) and an empty MEDIA_ROOT."""
    reason = ""
    tables = set(connection.introspection.table_names())
    if tables:
        guarded = [*registries.restore_data_models, (get_user_model(), "个用户")]
        names = [model._meta.db_table for model, _unit in guarded]
        if any(name not in tables for name in names):
            reason = f"数据库中已有 {len(tables)} 张数据表，但不是完整的同心数据库"
        else:
            counts = []
            with connection.cursor() as cursor:
                for name in names:
                    cursor.execute(f"SELECT COUNT(*) FROM {_quote(name)}")
                    counts.append(cursor.fetchone()[0])
            if any(counts):
                reason = "数据库中已有 " + "、".join(
                    f"{n} {unit}" for n, (_model, unit) in zip(counts, guarded, strict=True)
                )
    media_root = Path(settings.MEDIA_ROOT)
    if not reason and media_root.is_dir() and any(p.is_file() for p in media_root.rglob("*")):
        reason = f"上传文件目录 {media_root} 中已有文件"
    if reason:
        raise BackupError(
            f"目标系统不是空的（{reason}），拒绝恢复：在已有数据上恢复会丢失数据。"
            "请在新的数据目录（TONGXIN_DATA_DIR）或新建的空数据库上恢复。未做任何更改。"
        )


def _restore_sqlite(connection, db_file: Path) -> None:
    """Copy the restored database into place through the backup API, which
    writes through SQLite's own locking and journal (a file copy over a WAL
    database would be undone or corrupted by its leftover -wal file). Still,
    nothing else should be running: see docs/backup.md."""
    connection.close()
    source = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    target = sqlite3.connect(connection.settings_dict["NAME"], timeout=30)
    try:
        source.backup(target, pages=-1)
    except sqlite3.Error as error:
        raise BackupError(f"写入 SQLite 数据库失败：{error}（是否还有进程在使用它？）") from None
    finally:
        target.close()
        source.close()


def _pg_restore_for(connection, manifest: dict) -> str:
    """The pg_restore to use, refused if older than the pg_dump that wrote the
    archive: an older pg_restore cannot read a newer archive format."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version_num')::int")
        server_major = cursor.fetchone()[0] // 10000
    pg_restore = pg_tool("pg_restore", server_major)
    restore_major, restore_version = pg_tool_version(pg_restore)
    dump_major = manifest["database"].get("pg_dump_major", 0)
    if restore_major < dump_major:
        raise BackupError(
            f"该备份由 pg_dump {manifest['database'].get('pg_dump_version')} 生成，"
            f"本机的 pg_restore（{restore_version}）版本较低，无法读取：请安装 PostgreSQL "
            f"{dump_major} 或更新的客户端工具，或用 TONGXIN_PG_BIN_DIR 指定其所在目录。"
        )
    return pg_restore


def _restore_postgresql(connection, dump_file: Path, pg_restore: str) -> None:
    # The target was checked to hold no persons and no users; what a bare
    # `migrate` created is dropped so the dump recreates everything as it was.
    tables = connection.introspection.table_names()
    if tables:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"DROP TABLE IF EXISTS {_quote(table)} CASCADE")
    connection.close()
    result = subprocess.run(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "--no-password",
            f"--dbname={connection.settings_dict['NAME']}",
            str(dump_file),
        ],
        env=pg_environment(connection.settings_dict),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(
            "pg_restore 失败（已整体回滚：目标数据库现在没有数据表，排除原因后可重新恢复）："
            f"{result.stderr.strip()}"
        )


def _restore_media(staging: Path) -> int:
    source_root = staging / MEDIA_PREFIX.rstrip("/")
    if not source_root.is_dir():
        return 0
    media_root = Path(settings.MEDIA_ROOT)
    restored = 0
    for path in sorted(source_root.rglob("*")):
        if not path.is_file():
            continue
        target = media_root / path.relative_to(source_root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)
        restored += 1
    return restored


def _audit_restore(archive: Path, result: Restore) -> None:
    registries.audit(
        action="import",
        object_type="backup",
        object_id=archive.name[:50],
        object_repr=f"从备份恢复 {archive.name}"[:200],
        changes={
            "archive": str(archive),
            "created_at": result.manifest.get("created_at"),
            "media_files": result.media_files,
            "counts_match": not result.mismatched,
            "integrity": result.integrity,
        },
    )
