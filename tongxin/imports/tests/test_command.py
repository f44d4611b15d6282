"""`tongxin import`: preview, --json, --commit, and a kill midway writes nothing."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from tongxin.imports.models import ImportBatch
from tongxin.imports.tests.rosters import many_rows, roster_row, write_xlsx
from tongxin.people.models import Person, PoliticalStatus

pytestmark = pytest.mark.django_db


def test_preview_prints_counts_as_json_and_writes_nothing(tmp_path, regions, capsys):
    rows = [roster_row(1), roster_row(2, 身份证号="1"), roster_row(3)]
    rows.append(roster_row(4, 身份证号=rows[0][4]))
    path = write_xlsx(tmp_path / "名单.xlsx", rows)
    call_command("import", str(path), "--json")
    counts = json.loads(capsys.readouterr().out)
    assert counts == {
        "rows": 4,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "invalid": 1,
        "duplicates_in_file": 1,
        "committed": False,
    }
    assert Person.objects.count() == 0


def test_commit_as_a_user_with_their_region_rules(tmp_path, xingning_user, capsys):
    rows = [roster_row(1, "张三"), roster_row(2, "李四", region="青秀区")]
    path = write_xlsx(tmp_path / "名单.xlsx", rows)
    call_command("import", str(path), "--commit", "--user", "xingning")
    out = capsys.readouterr().out
    assert "已导入：共 2 行；新增 1" in out
    assert "第5行 K列“所在县区”：无权导入到“青秀区”" in out
    assert list(Person.objects.values_list("name", flat=True)) == ["张三"]
    assert ImportBatch.objects.get().created_by == xingning_user


def test_on_duplicate_update_changes_registered_persons_only_with_commit(
    tmp_path, make_person, capsys
):
    person = make_person(
        "张三", employer="旧公司", political_status=PoliticalStatus.objects.get(name="群众")
    )
    rows = [
        roster_row(1, "张三", 身份证号=person.id_number, 工作单位="新公司"),
        roster_row(2, "李四"),
    ]
    path = write_xlsx(tmp_path / "名单.xlsx", rows)

    call_command("import", str(path), "--on-duplicate", "update", "--json")
    counts = json.loads(capsys.readouterr().out)
    assert (counts["updated"], counts["created"], counts["committed"]) == (1, 1, False)
    person.refresh_from_db()
    assert (person.employer, person.version) == ("旧公司", 1)
    assert Person.objects.count() == 1

    call_command("import", str(path), "--on-duplicate", "update", "--commit", "--json")
    counts = json.loads(capsys.readouterr().out)
    assert (counts["updated"], counts["created"], counts["committed"]) == (1, 1, True)
    person.refresh_from_db()
    assert (person.employer, person.version) == ("新公司", 2)
    latest = person.history.order_by("-history_id").first()
    assert latest.history_change_reason == f"导入：名单.xlsx（批次#{counts['batch']}）"
    assert Person.objects.count() == 2


def test_registered_persons_are_skipped_by_default(tmp_path, make_person, capsys):
    person = make_person("张三", employer="旧公司")
    path = write_xlsx(tmp_path / "名单.xlsx", [roster_row(1, "张三", 身份证号=person.id_number)])
    call_command("import", str(path), "--commit", "--json")
    counts = json.loads(capsys.readouterr().out)
    assert (counts["skipped"], counts["updated"]) == (1, 0)
    person.refresh_from_db()
    assert (person.employer, person.version) == ("旧公司", 1)


def test_bad_files_and_users_are_command_errors(tmp_path, regions, leader_user):
    path = tmp_path / "名单.xlsx"
    path.write_text("x")
    with pytest.raises(CommandError, match="不是 Excel 或 ODS 表格"):
        call_command("import", str(path))
    with pytest.raises(CommandError, match="无权导入"):
        call_command("import", str(path), "--user", "leader")
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import", str(tmp_path / "无.xlsx"))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_import_killed_midway_leaves_the_database_as_before(tmp_path, regions, make_person):
    if connection.vendor != "sqlite":
        pytest.skip("the kill test copies the SQLite test database to a file")
    make_person("张三")
    database = tmp_path / "tongxin.sqlite3"
    target = sqlite3.connect(database)
    connection.ensure_connection()
    connection.connection.backup(target)
    target.close()
    path = write_xlsx(tmp_path / "名单.xlsx", many_rows(20000))

    env = {**os.environ, "TONGXIN_DATABASE_URL": f"sqlite:///{database}",
           "TONGXIN_ALLOW_INSECURE_KEY": "1", "TONGXIN_DATA_DIR": str(tmp_path)}  # fmt: skip
    command = [sys.executable, "-m", "tongxin.cli", "import", str(path), "--commit"]
    process = subprocess.Popen(
        command, cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        for line in process.stderr:
            if line.startswith("写入数据库"):
                break
        time.sleep(1.0)  # into the transaction, well before 20,000 rows are written
        assert process.poll() is None, "the import finished before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    check = sqlite3.connect(database)
    try:
        assert check.execute("SELECT count(*) FROM people_person").fetchone()[0] == 1
        assert check.execute("SELECT count(*) FROM people_historicalperson").fetchone()[0] == 1
        assert check.execute("SELECT count(*) FROM imports_importbatch").fetchone()[0] == 0
    finally:
        check.close()
    assert Path(database).exists()
