"""Every change of an import batch's status leaves a history row (issue 19):
the steps that once moved it with `.update()` — queueing for the worker, the
worker starting, a refused commit — included."""

from pathlib import Path

from django.urls import reverse

from tongxin.imports.models import ImportBatch
from tongxin.imports.tests.rosters import roster_row, write_xlsx
from tongxin.imports.tests.test_views import mapping_post, upload


def _statuses(batch) -> list[tuple[str, object]]:
    rows = batch.history.order_by("history_id")  # the phase is not kept in history
    return [(h.status, h.history_user) for h in rows]


def test_a_file_checked_and_imported_in_the_background_leaves_each_step_in_history(
    tmp_path, client_for, city_user, settings
):
    settings.IMPORT_BACKGROUND_ROWS = 2
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    client = client_for(city_user)
    upload(client, write_xlsx(tmp_path / "名单.xlsx", [roster_row(n) for n in range(1, 6)]))
    batch = ImportBatch.objects.get()
    client.post(reverse("imports:mapping", args=[batch.pk]), mapping_post(batch))
    client.post(reverse("imports:commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED

    S = ImportBatch.Status
    assert _statuses(batch) == [
        (S.READING, city_user),  # the upload
        (S.UPLOADED, city_user),  # read by the worker
        (S.UPLOADED, city_user),  # the mapping saved
        (S.ANALYSING, city_user),  # queued by the view
        (S.ANALYSING, city_user),  # the worker starts
        (S.PREVIEWED, city_user),
        (S.COMMITTING, city_user),  # queued by the view
        (S.COMMITTING, city_user),  # the worker starts
        (S.COMMITTED, city_user),
    ]


def test_a_refused_commit_goes_back_to_the_preview_with_a_history_row(
    tmp_path, client_for, city_user, make_person
):
    client = client_for(city_user)
    upload(client, write_xlsx(tmp_path / "名单.xlsx", [roster_row(1)]))
    batch = ImportBatch.objects.get()
    client.post(reverse("imports:mapping", args=[batch.pk]), mapping_post(batch))
    batch.refresh_from_db()
    Path(batch.file.path).write_bytes(b"not a spreadsheet")  # the commit re-reads it and refuses
    client.post(reverse("imports:commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED and batch.error_message
    last = batch.history.order_by("-history_id")[:2]
    assert [(h.status, h.error_message, h.history_user) for h in last] == [
        (ImportBatch.Status.PREVIEWED, batch.error_message, city_user),
        (ImportBatch.Status.COMMITTING, "", city_user),
    ]
