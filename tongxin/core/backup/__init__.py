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

By step: making an archive (`create.py`), checking and restoring one
(`restore.py`); the format, the results and the PostgreSQL tools they share
in `common.py`.
"""

from .common import (
    DB_MEMBERS,
    ENGINE_NAMES,
    Backup,
    BackupError,
    Restore,
    human_size,
    pg_environment,
    pg_tool,
    pg_tool_version,
)
from .create import backup_create, backup_prune
from .restore import backup_restore, backup_verify, describe_target, pending_migrations

__all__ = [
    "DB_MEMBERS",
    "ENGINE_NAMES",
    "Backup",
    "BackupError",
    "Restore",
    "backup_create",
    "backup_prune",
    "backup_restore",
    "backup_verify",
    "describe_target",
    "human_size",
    "pending_migrations",
    "pg_environment",
    "pg_tool",
    "pg_tool_version",
]
