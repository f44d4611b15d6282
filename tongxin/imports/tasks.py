"""Background work for large files (run by `tongxin db_worker`)."""

from django_tasks import task

from . import services
from .models import ImportBatch


@task()
def read_import(batch_id: int) -> None:
    services.import_batch_read(batch=ImportBatch.objects.get(pk=batch_id))


@task()
def analyse_import(batch_id: int) -> None:
    services.import_batch_analyse(batch=ImportBatch.objects.get(pk=batch_id))


@task()
def commit_import(batch_id: int) -> None:
    services.import_batch_commit_quietly(batch=ImportBatch.objects.get(pk=batch_id))
