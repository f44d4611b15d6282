"""Background work shared by the apps (run by `tongxin db_worker`)."""

import datetime

from django.utils import timezone
from django_tasks import task

from .db_stats import statistics_refresh
from .versioned_cache import figures_warm, keep_warm_run


@task()
def refresh_statistics() -> None:
    statistics_refresh()


@task()
def warm_figures() -> None:
    figures_warm()


@task()
def keep_figures_warm(chain: str) -> None:
    if keep_warm_run(chain):
        keep_warm_results_prune()


def keep_warm_results_prune() -> int:
    """Delete this chain's own finished task rows older than a day: it adds
    one every few minutes, forever."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - datetime.timedelta(days=1)
    deleted, _ = (
        DBTaskResult.objects.finished()
        .filter(task_path=keep_figures_warm.module_path, finished_at__lt=cutoff)
        .delete()
    )
    return deleted
