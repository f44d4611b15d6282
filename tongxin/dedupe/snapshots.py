from django.db import IntegrityError, transaction

from .models import CompletenessSnapshot


def snapshot_keep(*, scope_key: str, day, percent_complete: int, percent_current: int) -> None:
    """Keep a scope's figures for `day` (the first count of the day stays).

    Derived figures, not a decision anyone made: no audit entry.
    """
    if CompletenessSnapshot.objects.filter(scope_key=scope_key, day=day).exists():
        return
    try:
        with transaction.atomic():
            CompletenessSnapshot.objects.create(
                scope_key=scope_key,
                day=day,
                percent_complete=percent_complete,
                percent_current=percent_current,
            )
    except IntegrityError:
        pass  # another request kept it first
