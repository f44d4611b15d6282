"""`tongxin backup` and the refusals of `tongxin restore`, in-process.

The round trips (a backup taken while another process writes, restored into
a fresh deployment) run real processes: test_backup_roundtrip.py.
"""

import datetime
import hashlib
import io
import json
import os
import re
import sqlite3
import tarfile
import time
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tongxin.audit.models import AuditEntry
from tongxin.core.backup import DB_MEMBERS, backup_prune, pg_environment, pg_tool_version
from tongxin.core.backup import create as backup_module
from tongxin.people.models import Person

# The backup reads the database through a connection of its own, which sees
# only committed rows (as pg_dump does).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ARCHIVE = re.compile(r"^tongxin-\d{8}-\d{6}\.tar\.gz$")
PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40


@pytest.fixture
def deployment(settings, tmp_path):
    """A data directory and backup directory of their own, and two uploaded files."""
    settings.DATA_DIR = tmp_path / "data"
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.BACKUP_KEEP, settings.BACKUP_KEEP_DAYS = 14, 0
    media = Path(settings.MEDIA_ROOT)
    (media / "photos" / "2026").mkdir(parents=True)
    (media / "photos" / "2026" / "张三.jpg").write_bytes(PHOTO)
    (media / "imports" / "2026").mkdir(parents=True)
    (media / "imports" / "2026" / "名单.csv").write_text("姓名\n张三\n", encoding="utf-8")
    return settings


def backup(**options) -> str:
    out = io.StringIO()
    call_command("backup", stdout=out, **options)
    return out.getvalue()


def restore(archive: Path, *args) -> str:
    out = io.StringIO()
    call_command("restore", str(archive), *args, stdout=out)
    return out.getvalue()


def archives(directory: Path) -> list[str]:
    return sorted(p.name for p in Path(directory).iterdir())


def only_archive(directory: Path) -> Path:
    [name] = [n for n in archives(directory) if ARCHIVE.match(n)]
    return Path(directory) / name


def members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}


def rewrite(archive: Path, change) -> None:
    """Write `archive` again with change(members) applied: a damaged or forged backup."""
    content = members(archive)
    change(content)
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in content.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def fake_archives(directory: Path, *stamps: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for stamp in stamps:
        (directory / f"tongxin-{stamp}.tar.gz").write_bytes(b"old")


# --- tongxin backup ---------------------------------------------------------------


def test_generated_export_files_are_left_out(deployment, tmp_path):
    """They are made again on demand and deleted after 7 days (settings.BACKUP_SKIP_MEDIA)."""
    exports = Path(deployment.MEDIA_ROOT) / "exports"
    exports.mkdir()
    (exports / "7-token.xlsx").write_bytes(b"PK generated")
    backup(output=str(tmp_path / "out"))
    content = members(only_archive(tmp_path / "out"))
    assert "media/photos/2026/张三.jpg" in content
    assert not any(name.startswith("media/exports") for name in content)


def test_it_writes_one_archive_with_database_media_and_manifest(deployment, make_person, tmp_path):
    make_person("张三")

    out = backup(output=str(tmp_path / "out"))

    path = only_archive(tmp_path / "out")
    assert f"备份完成：{path}（" in out and re.search(r"（\d+\.\d (KB|MB)）", out)
    assert path.stat().st_mode & 0o777 == 0o600  # it holds personal information
    content = members(path)
    engine = connection.vendor
    assert set(content) == {
        DB_MEMBERS[engine],
        "media/photos/2026/张三.jpg",
        "media/imports/2026/名单.csv",
        "manifest.json",
    }
    assert content["media/photos/2026/张三.jpg"] == PHOTO
    manifest = json.loads(content["manifest.json"])
    assert manifest["format"] == "tongxin-backup" and manifest["format_version"] == 1
    assert manifest["engine"] == engine
    assert manifest["tongxin_version"]
    assert datetime.datetime.fromisoformat(manifest["created_at"]).tzinfo is not None
    assert "0001_initial" in manifest["migrations"]["people"]
    assert {"people_person", "accounts_user", "audit_auditentry"} <= set(manifest["counts"])
    for name, data in content.items():
        if name != "manifest.json":
            assert manifest["files"][name] == {
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
            }
    assert manifest["counts"]["people_person"] == 1
    if engine == "sqlite":
        copy = tmp_path / "copy.sqlite3"
        copy.write_bytes(content[DB_MEMBERS["sqlite"]])
        db = sqlite3.connect(copy)
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT COUNT(*) FROM people_person").fetchone()[0] == 1
        db.close()


def test_it_is_audited(deployment):
    backup()

    path = only_archive(deployment.BACKUP_DIR)
    entry = AuditEntry.objects.get(object_type="backup")
    assert entry.action == AuditEntry.Action.EXPORT
    assert entry.object_id == path.name
    assert entry.changes["path"] == str(path)
    assert entry.changes["size"] == path.stat().st_size


def test_it_writes_to_the_backup_dir_setting_by_default(deployment):
    out = backup()

    path = only_archive(deployment.BACKUP_DIR)
    assert str(path) in out
    assert archives(deployment.BACKUP_DIR) == [path.name]


def test_it_keeps_the_newest_archives(deployment):
    deployment.BACKUP_KEEP = 3
    directory = Path(deployment.BACKUP_DIR)
    fake_archives(directory, "20260101-020000", "20260102-020000", "20260103-020000")
    fake_archives(directory, "20260104-020000", "20260105-020000")
    (directory / "notes.txt").write_text("not a backup")
    (directory / "tongxin-manual.tar.gz").write_text("named by hand")

    out = backup()

    new = only_archive_newer_than(directory, "20260105-020000")
    assert archives(directory) == sorted(
        [new, "tongxin-20260104-020000.tar.gz", "tongxin-20260105-020000.tar.gz"]
        + ["notes.txt", "tongxin-manual.tar.gz"]
    )
    assert "删除旧备份 3 个" in out
    entry = AuditEntry.objects.get(object_type="backup")
    assert sorted(entry.changes["removed"]) == [
        "tongxin-20260101-020000.tar.gz",
        "tongxin-20260102-020000.tar.gz",
        "tongxin-20260103-020000.tar.gz",
    ]


def only_archive_newer_than(directory: Path, stamp: str) -> str:
    [name] = [n for n in archives(directory) if ARCHIVE.match(n) and n[8:23] > stamp]
    return name


@time_machine.travel(datetime.datetime(2026, 11, 22, 18, 0, tzinfo=datetime.UTC), tick=False)
def test_it_removes_archives_older_than_keep_days(deployment):
    deployment.BACKUP_KEEP, deployment.BACKUP_KEEP_DAYS = 0, 7
    directory = Path(deployment.BACKUP_DIR)
    # 2026-11-23 02:00 in Asia/Shanghai; names are in local time.
    fake_archives(directory, "20261122-020000", "20261116-030000", "20261115-010000")
    fake_archives(directory, "20261001-020000")

    backup()

    assert archives(directory) == [
        "tongxin-20261116-030000.tar.gz",
        "tongxin-20261122-020000.tar.gz",
        "tongxin-20261123-020000.tar.gz",
    ]


def test_an_archive_is_kept_if_either_rule_keeps_it(tmp_path):
    now = datetime.datetime(2026, 11, 23, 2, 0, tzinfo=datetime.UTC)
    fake_archives(tmp_path, "20261123-010000", "20261120-010000", "20261119-010000")
    fake_archives(tmp_path, "20261001-010000", "20261002-010000")

    removed = backup_prune(directory=tmp_path, keep=2, keep_days=5, now=now)

    assert sorted(p.name for p in removed) == [
        "tongxin-20261001-010000.tar.gz",
        "tongxin-20261002-010000.tar.gz",
    ]
    assert backup_prune(directory=tmp_path, keep=0, keep_days=0, now=now) == []
    assert len(archives(tmp_path)) == 3


def test_a_failed_backup_leaves_no_archive_and_removes_nothing(deployment, monkeypatch):
    deployment.BACKUP_KEEP = 1
    directory = Path(deployment.BACKUP_DIR)
    fake_archives(directory, "20260101-020000", "20260102-020000")
    add_file = backup_module._add_file

    def disk_full_at_the_media(tar, path, member):
        if member.startswith("media/"):
            raise OSError(28, "No space left on device")
        return add_file(tar, path, member)

    monkeypatch.setattr(backup_module, "_add_file", disk_full_at_the_media)

    with pytest.raises(CommandError, match="备份失败：写入备份失败：No space left on device"):
        backup()

    # No half-written archive (nor its temporary name), and retention did not run.
    assert archives(directory) == [
        "tongxin-20260101-020000.tar.gz",
        "tongxin-20260102-020000.tar.gz",
    ]
    assert not AuditEntry.objects.filter(object_type="backup").exists()


def test_it_removes_what_a_killed_backup_left_a_day_ago(deployment):
    directory = Path(deployment.BACKUP_DIR)
    directory.mkdir()
    old_partial = directory / ".tongxin-20260101-020000.tar.gz.partial"
    old_staging = directory / ".tongxin-backup-abc123"
    running = directory / ".tongxin-backup-def456"
    for path in (old_staging, running):
        path.mkdir()
        (path / "tongxin.sqlite3").write_bytes(b"a copy of the database")
    old_partial.write_bytes(b"half")
    two_days_ago = time.time() - 2 * 86400
    for path in (old_partial, old_staging):
        os.utime(path, (two_days_ago, two_days_ago))

    backup()

    assert not old_partial.exists() and not old_staging.exists()
    assert running.exists()


def test_it_fails_with_a_chinese_message_when_the_output_is_not_a_directory(deployment, tmp_path):
    (tmp_path / "file").write_text("x")

    with pytest.raises(CommandError, match="备份失败：.*不是一个目录"):
        backup(output=str(tmp_path / "file"))


# --- tongxin restore: what it refuses (the successful restores run in processes) ---


@pytest.fixture
def archive(deployment):
    backup()
    return only_archive(deployment.BACKUP_DIR)


@pytest.fixture
def empty_target(archive, settings, tmp_path):
    """This test database has no persons and no users: an empty deployment."""
    settings.MEDIA_ROOT = tmp_path / "target-media"
    return settings


def test_restore_refuses_a_truncated_archive(archive, empty_target):
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])

    with pytest.raises(CommandError, match="恢复失败：备份文件已损坏或不是同心备份"):
        restore(archive, "--yes")

    assert not Path(empty_target.MEDIA_ROOT).exists()
    assert not list(Path(empty_target.DATA_DIR).glob(".tongxin-restore-*"))


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda m: m.update({"media/photos/2026/张三.jpg": b"changed"}), "校验值与清单不符"),
        (lambda m: m.pop("media/imports/2026/名单.csv"), "缺少 1 个文件"),
        (lambda m: m.update({"media/extra.jpg": b"x"}), "多出 1 个清单之外的文件"),
        (lambda m: m.pop("manifest.json"), "没有可读的 manifest.json"),
        (lambda m: m.update({"../evil": b"x"}), "不应有的成员"),
        (lambda m: m.update({"media/../../evil": b"x"}), "备份文件已损坏或不是同心备份"),
    ],
    ids=["changed", "missing", "extra", "no-manifest", "outside", "outside-media"],
)
def test_restore_refuses_an_archive_that_does_not_match_its_manifest(
    archive, empty_target, damage, message
):
    rewrite(archive, damage)

    with pytest.raises(CommandError, match=message):
        restore(archive, "--yes")

    assert not Path(empty_target.MEDIA_ROOT).exists()
    assert not Path(empty_target.DATA_DIR, "..", "evil").resolve().exists()


def test_restore_refuses_a_target_with_persons(archive, make_person, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "target-media"
    make_person("李四")

    with pytest.raises(CommandError, match=r"目标系统不是空的（数据库中已有 1 名人员、.* 个用户）"):
        restore(archive, "--yes")

    assert list(Person.objects.values_list("name", flat=True)) == ["李四"]
    assert not Path(settings.MEDIA_ROOT).exists()


def test_restore_refuses_a_target_with_uploaded_files(archive, empty_target):
    Path(empty_target.MEDIA_ROOT, "photos").mkdir(parents=True)
    Path(empty_target.MEDIA_ROOT, "photos", "a.jpg").write_bytes(b"mine")

    with pytest.raises(CommandError, match="目标系统不是空的（上传文件目录 .* 中已有文件）"):
        restore(archive, "--yes")

    assert [p.name for p in Path(empty_target.MEDIA_ROOT).rglob("*.jpg")] == ["a.jpg"]


def test_restore_refuses_an_archive_of_another_engine(archive, empty_target):
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"

    def forge(content):
        manifest = json.loads(content["manifest.json"])
        manifest["engine"] = other
        content["manifest.json"] = json.dumps(manifest).encode()

    rewrite(archive, forge)

    with pytest.raises(CommandError, match="不能跨数据库类型恢复"):
        restore(archive, "--yes")


def test_restore_refuses_an_archive_from_a_newer_version(archive, empty_target):
    def forge(content):
        manifest = json.loads(content["manifest.json"])
        manifest["migrations"]["people"].append("9999_from_the_future")
        content["manifest.json"] = json.dumps(manifest).encode()

    rewrite(archive, forge)

    with pytest.raises(CommandError, match="备份来自较新版本的同心.*people.9999_from_the_future"):
        restore(archive, "--yes")


def test_restore_asks_first_and_does_nothing_without_yes(archive, empty_target, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "no")

    with pytest.raises(CommandError, match="未确认，已取消恢复，未做任何更改"):
        restore(archive)

    assert not Path(empty_target.MEDIA_ROOT).exists()


def test_restore_names_a_missing_archive(empty_target, tmp_path):
    with pytest.raises(CommandError, match="找不到备份文件"):
        restore(tmp_path / "tongxin-20260101-000000.tar.gz", "--yes")


# --- PostgreSQL tools -------------------------------------------------------------


def fake_pg_tool(directory: Path, name: str, version: str) -> Path:
    """A pg_dump/pg_restore that reports `version`, and otherwise writes its
    arguments and PGPASSWORD to NAME.log and fails."""
    directory.mkdir(exist_ok=True)
    log = directory / f"{name}.log"
    script = directory / name
    script.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "--version" ]; then echo "{name} (PostgreSQL) {version} (Debian {version}-1)"; exit 0; fi\n'
        f'echo "$@" > "{log}"\necho "PGPASSWORD=$PGPASSWORD" >> "{log}"\nexit 3\n'
    )
    script.chmod(0o755)
    return log


def test_it_reads_the_major_version_of_the_postgresql_tools(tmp_path):
    fake_pg_tool(tmp_path, "pg_dump", "15.20")
    fake_pg_tool(tmp_path, "pg_restore", "17beta2")

    assert pg_tool_version(str(tmp_path / "pg_dump")) == (15, "15.20")
    assert pg_tool_version(str(tmp_path / "pg_restore"))[0] == 17


def test_the_database_password_goes_to_the_environment():
    env = pg_environment(
        {"NAME": "tongxin", "HOST": "db", "PORT": "5433", "USER": "tx", "PASSWORD": "pw"}
    )

    assert (env["PGDATABASE"], env["PGHOST"], env["PGPORT"]) == ("tongxin", "db", "5433")
    assert (env["PGUSER"], env["PGPASSWORD"]) == ("tx", "pw")


needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs the PostgreSQL test database (TONGXIN_DATABASE_URL=postgres://…)",
)


@needs_postgresql
def test_a_pg_dump_older_than_the_server_is_refused(deployment, tmp_path):
    deployment.BACKUP_PG_BIN_DIR = str(tmp_path / "bin")
    log = fake_pg_tool(tmp_path / "bin", "pg_dump", "9.6.24")

    with pytest.raises(CommandError, match=r"pg_dump 的版本（9\.6）低于数据库服务器"):
        backup()

    assert not log.exists()
    assert archives(deployment.BACKUP_DIR) == []


@needs_postgresql
def test_pg_dump_gets_the_password_in_its_environment_not_its_arguments(
    deployment, tmp_path, monkeypatch
):
    deployment.BACKUP_PG_BIN_DIR = str(tmp_path / "bin")
    log = fake_pg_tool(tmp_path / "bin", "pg_dump", "99.0")
    monkeypatch.setitem(connection.settings_dict, "PASSWORD", "h5-secret-password")

    with pytest.raises(CommandError, match="备份失败：pg_dump 失败"):
        backup()

    arguments, password = log.read_text().splitlines()
    assert "--format=custom" in arguments and "--snapshot=" in arguments
    assert "h5-secret-password" not in arguments
    assert password == "PGPASSWORD=h5-secret-password"
    assert archives(deployment.BACKUP_DIR) == []


@needs_postgresql
def test_restore_refuses_an_archive_newer_than_its_pg_restore(archive, empty_target, tmp_path):
    empty_target.BACKUP_PG_BIN_DIR = str(tmp_path / "bin")
    log = fake_pg_tool(tmp_path / "bin", "pg_restore", "15.20")

    def forge(content):
        manifest = json.loads(content["manifest.json"])
        manifest["database"].update(pg_dump_major=99, pg_dump_version="99.1")
        content["manifest.json"] = json.dumps(manifest).encode()

    rewrite(archive, forge)

    with pytest.raises(CommandError, match=r"pg_dump 99\.1 生成.*pg_restore（15\.20）版本较低"):
        restore(archive, "--yes")

    assert not log.exists()
