"""An import whose worker died mid-commit is found, marked failed, and can be
previewed and committed again; nothing else stays blocked (issue 17)."""

import datetime
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files import File
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.core import leases
from tongxin.core.models import TaskLease
from tongxin.imports import batches, committing
from tongxin.imports.models import ImportBatch
from tongxin.imports.tests.rosters import many_rows, roster_row, write_xlsx
from tongxin.imports.tests.test_views import mapping_post
from tongxin.people.models import Person
from tongxin.privacy.services import erasure_blockers
from tongxin.reports.models import ReportJob

pytestmark = pytest.mark.django_db


def dead_owner() -> str:
    return f"{socket.gethostname()}:{leases._boot_id()}:{2**22 + 1}:123"


def abandon(obj, *, owner=None) -> None:
    """What a worker killed while holding `obj` leaves behind: a lapsed lease."""
    past = timezone.now() - datetime.timedelta(minutes=1)
    TaskLease.objects.create(key=leases.lease_key(obj), owner=owner or dead_owner(),
                             taken_at=past, expires_at=past)  # fmt: skip


def previewed_batch(tmp_path, user, rows) -> ImportBatch:
    path = write_xlsx(tmp_path / "名单.xlsx", rows)
    with path.open("rb") as handle:
        batch = batches.import_batch_create(actor=user, upload=File(handle, name="名单.xlsx"))
    batch = batches.import_batch_read(batch=batch)
    return batches.import_batch_analyse(batch=batch)


def test_a_batch_left_committing_is_failed_and_can_be_run_again(
    tmp_path, client_for, city_user, make_person
):
    person = make_person("王五")
    batch = previewed_batch(tmp_path, city_user, [roster_row(1, "张三")])
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.COMMITTING,
                                                  phase=committing.WRITING)  # fmt: skip
    abandon(batch)
    assert erasure_blockers(person) == []  # erasure runs the recovery first
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert "后台处理进程意外中止" in batch.error_message
    latest = batch.history.first()
    assert (latest.status, latest.history_change_reason) == (
        "failed",
        "后台处理进程中止，已标记为失败",
    )
    entry = AuditEntry.objects.get(object_type="imports.importbatch", action="update")
    assert entry.changes["status"] == ["正在导入", "失败"]
    assert not TaskLease.objects.exists()

    client = client_for(city_user)
    page = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "后台处理进程意外中止" in page
    response = client.post(reverse("imports:mapping", args=[batch.pk]), mapping_post(batch))
    assert response.status_code == 302
    client.post(reverse("imports:commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert set(Person.objects.values_list("name", flat=True)) == {"王五", "张三"}


def test_a_running_batch_whose_process_lives_is_left_alone(tmp_path, city_user, make_person):
    person = make_person("王五")
    batch = previewed_batch(tmp_path, city_user, [roster_row(1, "张三")])
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.COMMITTING)
    abandon(batch, owner=leases.this_process())  # lapsed: SQLite kept the heartbeat out
    assert erasure_blockers(person) == [f"导入#{batch.pk}正在进行，请在其完成后再删除"]
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTING


def test_a_report_job_left_running_is_failed(city_user, make_person):
    person = make_person("王五")
    job = ReportJob.objects.create(kind=ReportJob.Kind.PERSON_EXPORT, user=city_user,
                                   status=ReportJob.Status.RUNNING)  # fmt: skip
    abandon(job)
    assert erasure_blockers(person) == []
    job.refresh_from_db()
    assert job.status == ReportJob.Status.FAILED and "后台处理进程意外中止" in job.error


def test_the_commit_holds_a_lease_while_it_runs(tmp_path, city_user, regions, monkeypatch):
    batch = previewed_batch(tmp_path, city_user, [roster_row(1, "张三")])
    seen = []
    write = batches.check_and_write

    def spy(**kwargs):
        seen.extend(TaskLease.objects.values_list("key", "owner"))
        return write(**kwargs)

    monkeypatch.setattr(batches, "check_and_write", spy)
    batches.import_batch_commit(batch=batch, actor=city_user)
    assert seen == [(f"imports.importbatch:{batch.pk}", leases.this_process())]
    assert not TaskLease.objects.exists()


def _sqlite_copy(target: Path) -> None:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    connection.connection.backup(copy)
    copy.close()


def _query(database: Path, sql: str):
    db = sqlite3.connect(database)
    try:
        return db.execute(sql).fetchone()
    finally:
        db.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_commit(tmp_path, client_for, city_user, make_person, settings):
    """A real `tongxin db_worker`, SIGKILLed while it writes a 30,000-row commit."""
    if connection.vendor != "sqlite":
        pytest.skip("the test copies the SQLite test database to a file for the worker")
    settings.IMPORT_BACKGROUND_ROWS = 100
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    person = make_person("王五")
    batch = previewed_batch(tmp_path, city_user, many_rows(30_000))
    assert batch.counts["created"] == 30_000
    client = client_for(city_user)
    client.post(reverse("imports:commit", args=[batch.pk]))  # queued for the worker
    batch.refresh_from_db()
    assert (batch.status, batch.phase) == (ImportBatch.Status.COMMITTING, "排队等待")

    database = tmp_path / "tongxin.sqlite3"
    _sqlite_copy(database)
    env = {**os.environ, "TONGXIN_DATABASE_URL": f"sqlite:///{database}",
           "TONGXIN_ALLOW_INSECURE_KEY": "1", "TONGXIN_DATA_DIR": str(tmp_path),
           "TONGXIN_TASK_LEASE_SECONDS": "3"}  # fmt: skip
    worker = [sys.executable, "-m", "tongxin.cli", "db_worker", "--no-reload",
              "--no-startup-delay", "--interval", "0.2"]  # fmt: skip
    process = subprocess.Popen(worker, cwd=settings.BASE_DIR, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while _query(database, f"SELECT phase FROM imports_importbatch WHERE id={batch.pk}")[0] != (
            committing.WRITING
        ):
            assert process.poll() is None, process.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the worker never began writing"
            time.sleep(0.1)
        time.sleep(1.0)  # inside the write transaction, well before 30,000 rows are in
        assert process.poll() is None, "the commit finished before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL
    status = f"SELECT status FROM imports_importbatch WHERE id={batch.pk}"
    assert _query(database, status)[0] == "committing"  # what the issue saw: stuck
    assert _query(database, "SELECT count(*) FROM people_person")[0] == 1
    expires = _query(database, "SELECT expires_at FROM core_tasklease")[0]
    lapse = datetime.datetime.fromisoformat(expires).replace(tzinfo=datetime.UTC)
    time.sleep(max(0.0, (lapse - timezone.now()).total_seconds()) + 0.5)

    started = time.monotonic()
    restart = subprocess.run([*worker, "--batch"], cwd=settings.BASE_DIR, env=env,
                             capture_output=True, text=True, timeout=120)  # fmt: skip
    assert restart.returncode == 0, restart.stderr[-2000:]
    assert f"后台任务 imports.importbatch:{batch.pk} 的进程已中止，已标记为失败" in restart.stdout
    assert time.monotonic() - started < 60
    assert _query(database, status)[0] == "failed"
    assert _query(database, "SELECT count(*) FROM people_person")[0] == 1
    assert _query(database, "SELECT count(*) FROM people_historicalperson")[0] == 1
    assert _query(database, "SELECT count(*) FROM core_tasklease")[0] == 0

    # Back into the test database: erasure is free, and the same file goes in again.
    source = sqlite3.connect(database)
    source.backup(connection.connection)
    source.close()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and "意外中止" in batch.error_message
    assert erasure_blockers(Person.objects.get(pk=person.pk)) == []
    batches.import_batch_set_mapping(actor=city_user, batch=batch,
                                      mapping=committing.mapping_from_stored(batch.mapping),
                                      on_duplicate=batch.on_duplicate)  # fmt: skip
    batch = batches.import_batch_analyse(batch=batch)
    batch = batches.import_batch_commit(batch=batch, actor=city_user)
    assert batch.status == ImportBatch.Status.COMMITTED
    assert Person.objects.count() == 30_001
