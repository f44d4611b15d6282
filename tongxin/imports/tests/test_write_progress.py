"""How far the writing of an import has got, on the command line and on the page."""

import pytest
from django.urls import reverse

from tongxin.imports import batches, committing
from tongxin.imports.committing import WRITING, import_file
from tongxin.imports.models import ImportBatch
from tongxin.imports.tests.rosters import roster_row, write_xlsx
from tongxin.imports.tests.test_views import mapping_post, upload
from tongxin.people.models import Person

pytestmark = pytest.mark.django_db


def test_writing_reports_the_rows_written_after_each_batch(tmp_path, city_user, monkeypatch):
    monkeypatch.setattr(committing, "WRITE_BATCH", 2)
    path = write_xlsx(tmp_path / "名单.xlsx", [roster_row(n) for n in range(1, 6)])
    heard = []
    import_file(
        actor=city_user, path=path, commit=True, progress=lambda *report: heard.append(report)
    )
    assert [r for r in heard if r[0] == WRITING] == [
        (WRITING, 0, 5),
        (WRITING, 2, 5),
        (WRITING, 4, 5),
        (WRITING, 5, 5),
        (WRITING, 5, 5),
    ]


def test_updates_count_as_rows_written(tmp_path, city_user):
    path = write_xlsx(tmp_path / "名单.xlsx", [roster_row(1, 工作单位="甲公司")])
    import_file(actor=city_user, path=path, commit=True)
    path = write_xlsx(tmp_path / "改.xlsx", [roster_row(1, 工作单位="乙公司"), roster_row(2)])
    heard = []
    import_file(
        actor=city_user,
        path=path,
        commit=True,
        on_duplicate=ImportBatch.OnDuplicate.UPDATE,
        progress=lambda *report: heard.append(report),
    )
    assert [r for r in heard if r[0] == WRITING][0] == (WRITING, 0, 2)
    assert [r for r in heard if r[0] == WRITING][-1] == (WRITING, 2, 2)
    assert Person.objects.get(employer="乙公司")


def test_the_page_shows_the_rows_written_while_the_worker_writes(tmp_path, client_for, city_user):
    client = client_for(city_user)
    upload(client, write_xlsx(tmp_path / "名单.xlsx", [roster_row(1)]))
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.COMMITTING, phase=WRITING, progress_done=80, progress_total=80
    )
    batch.refresh_from_db()
    # before the worker has said anything: a moving full bar, no row count
    partial = client.get(reverse("imports:progress", args=[batch.pk])).content.decode()
    assert "写入数据库" in partial and "width: 100%" in partial and "行）" not in partial
    # the worker reports through the shared cache (its transaction hides the batch row)
    batches._write_progress_reporter(batch)(WRITING, 20, 80)
    partial = client.get(reverse("imports:progress", args=[batch.pk])).content.decode()
    assert "20 / 80 行" in partial and "width: 25%" in partial
    page = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "20 / 80 行" in page


def test_the_count_is_gone_once_the_commit_ends(tmp_path, client_for, city_user, monkeypatch):
    monkeypatch.setattr(committing, "WRITE_BATCH", 2)
    client = client_for(city_user)
    upload(client, write_xlsx(tmp_path / "名单.xlsx", [roster_row(n) for n in range(1, 6)]))
    batch = ImportBatch.objects.get()
    client.post(reverse("imports:mapping", args=[batch.pk]), mapping_post(batch))
    seen = []
    reporter = batches._write_progress_reporter

    def watching(batch):
        report = reporter(batch)

        def both(phase, done, total):
            report(phase, done, total)
            seen.append(batches.cache.get(batches._write_progress_key(batch)))

        return both

    monkeypatch.setattr(batches, "_write_progress_reporter", watching)
    client.post(reverse("imports:commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert seen == [(0, 5), (2, 5), (4, 5), (5, 5), (5, 5)]
    assert batches.cache.get(batches._write_progress_key(batch)) is None
