"""Making a backup: the database copy, the archive written and published,
old archives pruned."""

import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from .. import registries
from .common import (
    ARCHIVE_NAME,
    COMPRESS_LEVEL,
    DB_MEMBERS,
    FORMAT,
    FORMAT_VERSION,
    LEFTOVER_SECONDS,
    LOCK_WAIT_SECONDS,
    MANIFEST,
    MEDIA_PREFIX,
    SQLITE_BUSY,
    SQLITE_LOCKED,
    STAMP_FORMAT,
    Backup,
    BackupError,
    _migration_state,
    _quote,
    _tongxin_version,
    pg_environment,
    pg_tool,
    pg_tool_version,
)


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

    from ..storage import uses_object_storage

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
