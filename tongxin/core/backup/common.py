"""What making and restoring a backup share: the archive's names and format,
the errors and results, the PostgreSQL client tools, small helpers."""

import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from django.conf import settings

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
