"""Background work shared by the apps (run by `tongxin db_worker`)."""

from django_tasks import task

from .db_stats import statistics_refresh
from .versioned_cache import figures_warm


@task()
def refresh_statistics() -> None:
    statistics_refresh()


@task()
def warm_figures() -> None:
    figures_warm()
