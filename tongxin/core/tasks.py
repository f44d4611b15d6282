"""Background work shared by the apps (run by `tongxin db_worker`), and what
queues it: the cache (versioned_cache.py) knows nothing of the tasks, so the
two modules do not import each other."""

import datetime
import uuid

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task

from .db_stats import statistics_refresh
from .versioned_cache import KEEP_WARM_KEY, REFRESH_SECONDS, figures_warm


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


def figures_changed() -> None:
    """After the current transaction commits, recount the default figures in the background.

    Called for every new history row; queues at most one task per transaction.
    """
    if any(func is _queue_warm_up for _sids, func, _robust in connection.run_on_commit):
        return
    transaction.on_commit(_queue_warm_up)


def _queue_warm_up() -> None:
    warm_figures.enqueue()


def keep_warm_start() -> None:
    """Start the chain of keep_figures_warm runs (at `serve` start); a chain
    started before stops at its next run, so restarts never multiply them."""
    chain = uuid.uuid4().hex
    cache.set(KEEP_WARM_KEY, chain, None)
    keep_figures_warm.enqueue(chain)


def keep_warm_run(chain: str) -> bool:
    """One link of the chain: count again what is about to expire, then queue
    the next run REFRESH_SECONDS from now. False (and no next run) when a newer
    chain has taken over."""
    if cache.get(KEEP_WARM_KEY) != chain:
        return False
    figures_warm(refresh_older_than=REFRESH_SECONDS)
    after = timezone.now() + datetime.timedelta(seconds=REFRESH_SECONDS)
    keep_figures_warm.using(run_after=after).enqueue(chain)
    return True
