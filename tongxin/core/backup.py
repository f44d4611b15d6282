"""Backups of a running deployment, and their restore into an empty one.

One archive, tongxin-YYYYmmdd-HHMMSS.tar.gz, holds
  database/tongxin.sqlite3   SQLite, copied with the online backup API, or
  database/tongxin.pgdump    PostgreSQL, pg_dump --format=custom,
  media/…                    MEDIA_ROOT: photos, import files, attachments
                             (not when they live in an S3 bucket: the
                             manifest's "media_elsewhere" names it),
  manifest.json              what it is, the migration state, the row count of
                             every table (taken from the copy itself) and the
                             sha256 of every other member.
The secret key and the personal-information key file are deliberately not in
it (docs/backup.md): a stolen backup without them cannot be read.

These are not @transaction.atomic services: a backup must not hold a write
transaction while it copies, and a restore replaces the whole database.
"""

import datetime
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from . import registries

FORMAT = "tongxin-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DB_MEMBERS = {"sqlite": "database/tongxin.sqlite3", "postgresql": "database/tongxin.pgdump"}
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
MEDIA_PREFIX = "media/"
ARCHIVE_NAME = re.compile(r"^tongxin-(\d{8}-\d{6})\.tar\.gz$")
STAMP_FORMAT = "%Y%m%d-%H%M%S"
# gzip -6, measured on a 20,000-person demo database (32 MB SQLite file):
# 9.0 MB in 0.8 s; -1 gave 10.2 MB in 0.3 s, -9 8.9 MB in 1.3 s, and a plain
# tar is 3.6 times bigger. The PostgreSQL dump is written uncompressed
# (--compress=0) so that it is compressed once, here, not twice.
COMPRESS_LEVEL = 6
CHUNK = 1024 * 1024
# How long a backup waits for a lock on the SQLite file (only a database in
# rollback-journal mode, not WAL, makes a reader wait for a writer).
LOCK_WAIT_SECONDS = 60
SQLITE_BUSY, SQLITE_LOCKED = 5, 6
LEFTOVER_SECONDS = 24 * 3600


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator, in Chinese."""


@dataclass
class Backup:
    path: Path
    size: int
    manifest: dict
    removed: list[Path]


@dataclass
class Restore:
    manifest: dict
    target: str
    counts: dict[str, tuple[int, int | None]]  # table → (in the manifest, in the restored db)
    integrity: str  # PRAGMA integrity_check for SQLite; "" for PostgreSQL
    media_files: int
    pending_migrations: list[str]

    @property
    def mismatched(self) -> list[str]:
        return [table for table, (expected, found) in self.counts.items() if expected != found]

    @property
    def ok(self) -> bool:
        return not self.mismatched and self.integrity in ("ok", "")


# --- backup ---------------------------------------------------------------------


def backup_create(*, output_dir: Path | None = None, database: str = DEFAULT_DB_ALIAS) -> Backup:
    """Write a consistent archive of the database and MEDIA_ROOT into `output_dir`.

    The archive is written under a hidden temporary name and renamed only when
    complete, so a crashed or failed backup never looks like a good one. Older
    archives are pruned (backup_prune) only after this one succeeded.
    """
    connection = connections[database]
    engine = connection.vendor
    if engine not in DB_MEMBERS:
        raise BackupError(f"不支持备份这种数据库：{engine}")
    output_dir = Path(output_dir or settings.BACKUP_DIR)
    if output_dir.exists() and not output_dir.is_dir():
        raise BackupError(f"备份目录 {output_dir} 不是一个目录")
    try:
        output_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as error:
        raise BackupError(f"无法创建备份目录 {output_dir}：{error.strerror or error}") from None

    now = timezone.localtime()
    name = f"tongxin-{now.strftime(STAMP_FORMAT)}.tar.gz"
    final = output_dir / name
    if final.exists():
        raise BackupError(f"备份文件 {final} 已存在：同一秒内只能备份一次，请稍后再试")
    partial = output_dir / f".{name}.partial"
    try:
        with tempfile.TemporaryDirectory(prefix=".tongxin-backup-", dir=output_dir) as staging:
            db_file = Path(staging) / Path(DB_MEMBERS[engine]).name
            if engine == "sqlite":
                snapshot = _sqlite_snapshot(connection, db_file)
            else:
                snapshot = _postgresql_snapshot(connection, db_file)
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "created_at": now.isoformat(timespec="seconds"),
                "tongxin_version": _tongxin_version(),
                "engine": engine,
                "database": {"member": DB_MEMBERS[engine], **snapshot["info"]},
                "migrations": snapshot["migrations"],
                "counts": snapshot["counts"],
                "files": {},
            }
            elsewhere = _media_elsewhere()
            if elsewhere:
                manifest["media_elsewhere"] = elsewhere
            skip = [
                output_dir,
                *(Path(settings.MEDIA_ROOT) / d for d in settings.BACKUP_SKIP_MEDIA),
            ]
            _write_archive(partial, db_file, manifest, skip=skip)
        _publish(partial, final)
    except OSError as error:
        raise BackupError(f"写入备份失败：{error.strerror or error}（{output_dir}）") from None
    except connection.Database.Error as error:  # sqlite3 or psycopg
        raise BackupError(f"读取数据库失败：{error}") from None
    finally:
        partial.unlink(missing_ok=True)

    _remove_leftovers(output_dir)

    removed = backup_prune(
        directory=output_dir,
        keep=settings.BACKUP_KEEP,
        keep_days=settings.BACKUP_KEEP_DAYS,
        now=now,
    )
    _audit_backup(final, manifest, removed)
    return Backup(path=final, size=final.stat().st_size, manifest=manifest, removed=removed)


def backup_prune(
    *, directory: Path, keep: int, keep_days: int, now: datetime.datetime | None = None
) -> list[Path]:
    """Delete the archives in `directory` that neither retention rule keeps.

    `keep` keeps the newest N archives, `keep_days` every archive younger than
    D days; 0 switches a rule off, and with both off nothing is deleted. Only
    names this module writes (tongxin-YYYYmmdd-HHMMSS.tar.gz) are considered;
    their age is read from the name, which copying does not change.
    """
    if keep <= 0 and keep_days <= 0:
        return []
    now = timezone.localtime(now or timezone.now())
    cutoff = (now - datetime.timedelta(days=keep_days)).strftime(STAMP_FORMAT)
    archives = sorted(
        (
            (match.group(1), path)
            for path in Path(directory).iterdir()
            if (match := ARCHIVE_NAME.match(path.name)) and path.is_file()
        ),
        reverse=True,
    )
    removed = []
    for index, (stamp, path) in enumerate(archives):
        if keep > 0 and index < keep:
            continue
        if keep_days > 0 and stamp >= cutoff:
            continue
        path.unlink()
        removed.append(path)
    return removed


def _remove_leftovers(directory: Path) -> None:
    """Temporary files of backups killed more than a day ago (a running one is younger)."""
    cutoff = time.time() - LEFTOVER_SECONDS
    for path in directory.iterdir():
        if not (path.name.startswith(".tongxin-") and path.stat().st_mtime < cutoff):
            continue
        if path.is_dir() and path.name.startswith(".tongxin-backup-"):
            shutil.rmtree(path, ignore_errors=True)
        elif path.is_file() and path.name.endswith(".partial"):
            path.unlink(missing_ok=True)


def _sqlite_snapshot(connection, dest: Path) -> dict:
    # A connection of its own, never inside a caller's transaction: SQLite
    # refuses (and Python retries forever) to copy from a connection that is
    # writing.
    name = str(connection.settings_dict["NAME"])
    source = sqlite3.connect(name, uri=name.startswith("file:"), timeout=LOCK_WAIT_SECONDS)
    target = sqlite3.connect(dest)
    deadline = time.monotonic() + LOCK_WAIT_SECONDS

    def give_up_when_locked_too_long(status, remaining, total):
        if status in (SQLITE_BUSY, SQLITE_LOCKED) and time.monotonic() > deadline:
            raise BackupError(
                f"数据库 {name} 被其他进程锁定超过 {LOCK_WAIT_SECONDS} 秒，无法备份，请稍后再试"
            )

    try:
        # One step (pages=-1) copies every page under a single read
        # transaction, so the copy is one consistent moment; in WAL mode other
        # processes keep writing meanwhile. A stepwise copy would start over
        # each time another process wrote, and might never finish.
        source.backup(target, pages=-1, progress=give_up_when_locked_too_long)
        # A self-contained single file: no -wal/-shm companions to lose.
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
        source.close()
    copy = sqlite3.connect(dest)
    try:
        tables = [
            row[0]
            for row in copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        counts = {
            table: copy.execute(f"SELECT COUNT(*) FROM {_quote(table)}").fetchone()[0]
            for table in tables
        }
        rows = (
            copy.execute("SELECT app, name FROM django_migrations ORDER BY id").fetchall()
            if "django_migrations" in counts
            else []
        )
    finally:
        copy.close()
    return {
        "info": {"sqlite_version": sqlite3.sqlite_version},
        "counts": counts,
        "migrations": _migration_state(rows),
    }


def _postgresql_snapshot(connection, dest: Path) -> dict:
    """pg_dump and the manifest's counts read the same exported snapshot, so
    the counts describe exactly the rows in the dump, whatever is written
    meanwhile."""
    conn = connection.Database.connect(**connection.get_connection_params())
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute(
                "SELECT pg_export_snapshot(), current_setting('server_version_num')::int, "
                "current_setting('server_version')"
            )
            snapshot, server_number, server_version = cursor.fetchone()
            server_major = server_number // 10000
            pg_dump = pg_tool("pg_dump", server_major)
            dump_major, dump_version = pg_tool_version(pg_dump)
            if dump_major < server_major:
                # pg_dump refuses a newer server itself; say it in Chinese, with the fix.
                raise BackupError(
                    f"pg_dump 的版本（{dump_version}）低于数据库服务器（PostgreSQL {server_version}），"
                    f"无法备份：请安装 PostgreSQL {server_major} 的客户端工具"
                    f"（Debian/Ubuntu：postgresql-client-{server_major}），"
                    "或用 TONGXIN_PG_BIN_DIR 指定其所在目录。"
                )
            cursor.execute(
                "SELECT tablename FROM pg_catalog.pg_tables "
                "WHERE schemaname = current_schema() ORDER BY tablename"
            )
            tables = [row[0] for row in cursor.fetchall()]
            counts = {}
            for table in tables:
                cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")
                counts[table] = cursor.fetchone()[0]
            rows = []
            if "django_migrations" in counts:
                cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
                rows = cursor.fetchall()
            result = subprocess.run(
                [
                    pg_dump,
                    "--format=custom",
                    "--compress=0",
                    f"--snapshot={snapshot}",
                    "--no-password",
                    f"--file={dest}",
                ],
                env=pg_environment(connection.settings_dict),
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise BackupError(f"pg_dump 失败：{result.stderr.strip()}")
            cursor.execute("COMMIT")
    finally:
        conn.close()
    return {
        "info": {
            "server_version": server_version,
            "pg_dump_version": dump_version,
            "pg_dump_major": dump_major,
        },
        "counts": counts,
        "migrations": _migration_state(rows),
    }


def pg_tool(name: str, server_major: int) -> str:
    """The pg_dump/pg_restore to use: TONGXIN_PG_BIN_DIR if set, else the
    server's own major version (Debian/Ubuntu keep each version's tools in
    /usr/lib/postgresql/N/bin), else the one on PATH."""
    if settings.BACKUP_PG_BIN_DIR:
        candidates = [Path(settings.BACKUP_PG_BIN_DIR) / name]
    else:
        candidates = [Path(f"/usr/lib/postgresql/{server_major}/bin/{name}")]
        if found := shutil.which(name):
            candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise BackupError(
        f"找不到 {name}：请安装 PostgreSQL {server_major} 的客户端工具"
        f"（Debian/Ubuntu：postgresql-client-{server_major}），或用 TONGXIN_PG_BIN_DIR 指定其所在目录。"
    )


def pg_tool_version(path: str) -> tuple[int, str]:
    """(15, "15.20") from `pg_dump --version`: "pg_dump (PostgreSQL) 15.20 (Debian …)"."""
    output = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    match = re.search(r"\s(\d+)(?:\.\d+)?", output)
    if match is None:
        raise BackupError(f"无法识别 {path} 的版本：{output.strip()}")
    return int(match.group(1)), match.group(0).strip()


def pg_environment(settings_dict: dict) -> dict[str, str]:
    """libpq environment for pg_dump/pg_restore: the password goes here, never
    on the command line, where any user of the machine could read it."""
    env = dict(os.environ)
    for key, variable in (
        ("NAME", "PGDATABASE"),
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    options = settings_dict.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    return env


def _write_archive(path: Path, db_file: Path, manifest: dict, *, skip: list[Path]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(fd, "wb") as raw:
        with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=COMPRESS_LEVEL) as tar:
            files = {
                manifest["database"]["member"]: _add_file(
                    tar, db_file, manifest["database"]["member"]
                )
            }
            # After the database, so every file a database row names is here;
            # a photo uploaded meanwhile is merely one file more.
            for source, member in _media_files(skip=skip):
                try:
                    files[member] = _add_file(tar, source, member)
                except FileNotFoundError:
                    continue  # deleted since listed (an expired import file): gone live too
            manifest["files"] = files
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(timezone.now().timestamp())
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
        raw.flush()
        os.fsync(raw.fileno())


class _HashingReader:
    def __init__(self, file):
        self.file = file
        self.hash = hashlib.sha256()

    def read(self, size=-1):
        data = self.file.read(size)
        self.hash.update(data)
        return data


def _add_file(tar: tarfile.TarFile, path: Path, member: str) -> dict:
    # Hashed as it is written, so the checksum is of exactly the bytes archived.
    with open(path, "rb") as file:
        size = os.fstat(file.fileno()).st_size
        info = tarfile.TarInfo(member)
        info.size = size
        info.mtime = int(os.path.getmtime(path))
        info.mode = 0o644
        reader = _HashingReader(file)
        tar.addfile(info, reader)
    return {"sha256": reader.hash.hexdigest(), "size": size}


def _media_elsewhere() -> str | None:
    """Where the uploaded files are when they are not in MEDIA_ROOT (an S3
    bucket: backed up by the bucket's own versioning, docs/deployment.md §10.8)."""
    from django.core.files.storage import default_storage

    from .storage import uses_object_storage

    if not uses_object_storage():
        return None
    location = getattr(default_storage, "location", "")
    return f"s3://{getattr(default_storage, 'bucket_name', '')}/{location}".rstrip("/")


def _media_files(*, skip: list[Path]):
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir() or _media_elsewhere():
        return
    skipped = {p.resolve() for p in skip}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if (Path(dirpath) / d).resolve() not in skipped)
        for filename in sorted(filenames):
            path = Path(dirpath) / filename
            if path.is_symlink() or not path.is_file():
                continue
            yield path, MEDIA_PREFIX + path.relative_to(root).as_posix()


def _publish(partial: Path, final: Path) -> None:
    try:
        # A hard link never replaces an archive that already has this name.
        os.link(partial, final)
    except FileExistsError:
        raise BackupError(f"备份文件 {final} 已存在：同一秒内只能备份一次，请稍后再试") from None
    except OSError:  # a file system without hard links
        if final.exists():
            raise BackupError(f"备份文件 {final} 已存在") from None
        os.replace(partial, final)
    dir_fd = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _audit_backup(path: Path, manifest: dict, removed: list[Path]) -> None:
    registries.audit(
        action="export",
        object_type="backup",
        object_id=path.name,
        object_repr=f"数据备份 {path.name}",
        changes={
            "path": str(path),
            "size": path.stat().st_size,
            "files": len(manifest["files"]),
            "removed": [p.name for p in removed],
        },
    )


# --- restore --------------------------------------------------------------------


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


# --- helpers --------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _migration_state(rows) -> dict[str, list[str]]:
    state: dict[str, list[str]] = {}
    for app, name in rows:
        state.setdefault(app, []).append(name)
    return state


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _tongxin_version() -> str:
    try:
        return metadata.version("tongxin")
    except metadata.PackageNotFoundError:
        return "unknown"


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or unit == "TB":
            break
    return f"{value:.1f} {unit}"
