"""Background work for large files (run by `tongxin db_worker`)."""

from django_tasks import task

from . import batches, photos
from .models import ImportBatch, PhotoBatch


@task()
def read_import(batch_id: int) -> None:
    batches.import_batch_read(batch=ImportBatch.objects.get(pk=batch_id))


@task()
def analyse_import(batch_id: int) -> None:
    batches.import_batch_analyse(batch=ImportBatch.objects.get(pk=batch_id))


@task()
def commit_import(batch_id: int) -> None:
    batches.import_batch_commit_quietly(batch=ImportBatch.objects.get(pk=batch_id))


@task()
def read_photos(batch_id: int) -> None:
    photos.photo_batch_read(batch=PhotoBatch.objects.get(pk=batch_id))


@task()
def commit_photos(batch_id: int) -> None:
    photos.photo_batch_commit_quietly(batch=PhotoBatch.objects.get(pk=batch_id))
