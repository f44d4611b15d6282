from django.db import IntegrityError, transaction
from django.utils import timezone

from tongxin.regions.scope import read_scope, reads_records

from .freshness import total
from .models import CompletenessSnapshot


def snapshot_keep(*, scope_key: str, day, percent_complete: int, percent_current: int) -> bool:
    """Keep a scope's figures for `day` (the first count of the day stays);
    whether a row was written.

    Derived figures, not a decision anyone made: no audit entry.
    """
    if CompletenessSnapshot.objects.filter(scope_key=scope_key, day=day).exists():
        return False
    try:
        with transaction.atomic():
            CompletenessSnapshot.objects.create(
                scope_key=scope_key,
                day=day,
                percent_complete=percent_complete,
                percent_current=percent_current,
            )
    except IntegrityError:
        return False  # another worker kept it first
    return True


def completeness_snapshot_keep(*, user) -> bool:
    """Keep today's completeness and freshness of the user's scope, for the
    home card's trend. Run by the task worker with the warm figures
    (hooks.warm_figures: after changes, and every few minutes while the
    server runs), never by a page: a GET writes nothing."""
    if not reads_records(user):
        return False
    figures = total(user)
    if not figures.persons:
        return False
    return snapshot_keep(
        scope_key=read_scope(user).key,
        day=timezone.localdate(),
        percent_complete=figures.percent_complete,
        percent_current=figures.percent_current,
    )
