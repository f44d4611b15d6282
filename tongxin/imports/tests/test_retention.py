"""Uploaded roster files are deleted after TONGXIN_IMPORT_FILE_RETENTION_DAYS;
the import records stay, and the pages say the file is gone instead of failing."""

import datetime
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.core.management.commands import serve
from tongxin.imports.committing import import_file
from tongxin.imports.models import ImportBatch
from tongxin.imports.retention import import_files_purge
from tongxin.imports.tests.rosters import roster_row, write_xlsx
from tongxin.imports.tests.test_views import mapping_post, upload
from tongxin.people.models import Person

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
UPLOADED = datetime.datetime(2026, 1, 5, 10, 0, tzinfo=SHANGHAI)


def uploaded_batch(client, tmp_path, name="名单.xlsx", rows=None) -> ImportBatch:
    """A batch uploaded through the web at UPLOADED (status: uploaded)."""
    rows = rows or [roster_row(1, "张三"), roster_row(2, "李四", 政治面貌="火星党")]
    with time_machine.travel(UPLOADED, tick=False):
        response = upload(client, write_xlsx(tmp_path / name, rows))
    assert response.status_code == 302
    return ImportBatch.objects.order_by("-pk").first()


def previewed(client, batch) -> ImportBatch:
    response = client.post(reverse("imports:mapping", args=[batch.pk]), mapping_post(batch))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    return batch


def committed(client, batch) -> ImportBatch:
    previewed(client, batch)
    assert client.post(reverse("imports:commit", args=[batch.pk])).status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    return batch


def stored_path(batch) -> Path:
    return Path(batch.file.path)


@pytest.fixture
def purge(django_capture_on_commit_callbacks):
    """Purge as if `days` after the upload; files go once the transaction commits."""

    def run(days: int) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return import_files_purge(now=UPLOADED + datetime.timedelta(days=days))

    return run


def test_it_deletes_finished_files_after_the_retention_period_and_keeps_the_record(
    client_for, xingning_user, tmp_path, settings, purge, django_capture_on_commit_callbacks
):
    settings.IMPORT_FILE_RETENTION_DAYS = 90
    client = client_for(xingning_user)
    done = committed(client, uploaded_batch(client, tmp_path, "已导入.xlsx"))
    undone = committed(client, uploaded_batch(client, tmp_path, "已撤销.xlsx", [roster_row(3)]))
    assert client.post(reverse("imports:undo", args=[undone.pk])).status_code == 302
    failed = uploaded_batch(client, tmp_path, "失败.xlsx")
    ImportBatch.objects.filter(pk=failed.pk).update(status=ImportBatch.Status.FAILED)
    waiting = uploaded_batch(client, tmp_path, "待确认.xlsx")
    preview = previewed(client, uploaded_batch(client, tmp_path, "已预览.xlsx"))
    finished = [done, undone, failed]
    paths = {b.pk: stored_path(b) for b in [*finished, waiting, preview]}
    kept_before = ImportBatch.objects.get(pk=done.pk)
    assert all(path.exists() for path in paths.values())

    # 89 days later nothing is due yet.
    assert purge(89) == 0
    assert all(path.exists() for path in paths.values())
    assert not AuditEntry.objects.filter(object_repr__startswith="导入原文件").exists()

    with (
        time_machine.travel(UPLOADED + datetime.timedelta(days=91), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        purged = import_files_purge()  # "now" defaults to the clock

    assert purged == 3
    for batch in finished:
        batch.refresh_from_db()
        assert not batch.file
        assert not paths[batch.pk].exists()
    # Waiting and previewed batches keep their files, however old.
    for batch in [waiting, preview]:
        batch.refresh_from_db()
        assert batch.file and paths[batch.pk].exists()
    # The record itself stays: name, hash, size, mapping, counts, problems.
    done.refresh_from_db()
    for field in ["file_name", "sha256", "file_size", "mapping", "counts", "problems", "status"]:
        assert getattr(done, field) == getattr(kept_before, field), field
    assert done.history.filter(file="", history_change_reason="原文件已按保留期限删除").exists()
    entry = AuditEntry.objects.get(object_repr__startswith="导入原文件")
    assert entry.action == AuditEntry.Action.DELETE
    assert entry.changes["files"] == 3 and entry.changes["retention_days"] == 90
    assert sorted(entry.changes["batches"]) == sorted(b.pk for b in finished)

    # Running again finds nothing and writes no second entry.
    assert purge(200) == 0
    assert AuditEntry.objects.filter(object_repr__startswith="导入原文件").count() == 1


def test_the_retention_period_comes_from_the_setting(
    client_for, city_user, tmp_path, settings, purge
):
    settings.IMPORT_FILE_RETENTION_DAYS = 7
    client = client_for(city_user)
    batch = committed(client, uploaded_batch(client, tmp_path))
    assert purge(6) == 0
    assert purge(8) == 1
    batch.refresh_from_db()
    assert not batch.file


def test_the_detail_page_says_the_file_is_gone_and_downloads_answer_404(
    client_for, xingning_user, tmp_path, purge
):
    client = client_for(xingning_user)
    batch = committed(client, uploaded_batch(client, tmp_path))
    detail = reverse("imports:detail", args=[batch.pk])
    rejected = reverse("imports:rejected", args=[batch.pk])
    text = client.get(detail).content.decode()
    assert "原文件已按保留期限删除" not in text
    assert rejected in text
    assert client.get(rejected).status_code == 200

    purge(91)

    response = client.get(detail)
    assert response.status_code == 200
    text = response.content.decode()
    assert "原文件已按保留期限删除" in text
    assert rejected not in text  # no link to a download that cannot work
    assert "政治面貌“火星党”无法识别" in text  # the stored problems are still shown
    response = client.get(rejected)
    assert response.status_code == 404
    assert "原文件已按保留期限删除，无法再下载未导入的行" in response.content.decode()


def test_a_purged_failed_batch_cannot_be_mapped_again(client_for, xingning_user, tmp_path, purge):
    client = client_for(xingning_user)
    batch = uploaded_batch(client, tmp_path)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED)
    purge(91)

    text = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "确认列对应关系" not in text
    response = client.post(reverse("imports:mapping", args=[batch.pk]), mapping_post(batch))
    assert response.status_code == 302
    assert response.url == reverse("imports:detail", args=[batch.pk])
    page = client.get(response.url).content.decode()
    assert "原文件已按保留期限删除，不能再修改列对应关系" in page
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and Person.objects.count() == 0


def test_a_command_line_import_without_a_file_is_not_called_purged(client_for, city_user, tmp_path):
    path = write_xlsx(tmp_path / "名单.xlsx", [roster_row(1), roster_row(2, 政治面貌="火星党")])
    batch = import_file(actor=city_user, path=path, commit=True).batch
    problem = {"row": 5, "column": "G列“政治面貌”", "message": "政治面貌无法识别"}
    ImportBatch.objects.filter(pk=batch.pk).update(problems=[problem])
    response = client_for(city_user).get(reverse("imports:detail", args=[batch.pk]))
    assert "原文件已按保留期限删除" not in response.content.decode()
    response = client_for(city_user).get(reverse("imports:rejected", args=[batch.pk]))
    assert response.status_code == 404
    assert "系统中没有该批次的原文件" in response.content.decode()


def test_another_regions_user_and_the_leader_cannot_reach_a_purged_batch(
    client_for, xingning_user, qingxiu_user, leader_user, tmp_path, purge
):
    client = client_for(xingning_user)
    batch = committed(client, uploaded_batch(client, tmp_path))
    purge(91)
    for user in [qingxiu_user, leader_user]:
        other = client_for(user)
        assert other.get(reverse("imports:detail", args=[batch.pk])).status_code == 404
        assert other.get(reverse("imports:rejected", args=[batch.pk])).status_code == 404


def test_the_command_purges_and_reports_the_count(
    client_for, city_user, tmp_path, django_capture_on_commit_callbacks
):
    client = client_for(city_user)
    batch = committed(client, uploaded_batch(client, tmp_path))
    out = io.StringIO()
    with (
        time_machine.travel(UPLOADED + datetime.timedelta(days=91), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("purge_import_files", stdout=out)
    assert "已删除 1 个超过 90 天的导入原文件" in out.getvalue()
    batch.refresh_from_db()
    assert not batch.file


def test_serve_purges_old_files_before_starting(
    client_for, city_user, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    client = client_for(city_user)
    batch = committed(client, uploaded_batch(client, tmp_path))
    path = stored_path(batch)
    started = []
    monkeypatch.setattr(serve, "check_ready_to_serve", lambda: None)
    # The two child processes are not the point here; record that serve got that far.
    monkeypatch.setattr(serve, "run_together", lambda commands, stderr: started.append(1) or 0)
    # Closing connections inside the test's transaction would drop the pending
    # on-commit file deletions on PostgreSQL (a real serve runs in autocommit).
    monkeypatch.setattr(serve.connections, "close_all", lambda: None)
    out = io.StringIO()
    with (
        time_machine.travel(UPLOADED + datetime.timedelta(days=91), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("serve", stdout=out)
    assert started == [1]
    assert "已删除 1 个超过保留期限的导入原文件" in out.getvalue()
    assert not path.exists()
