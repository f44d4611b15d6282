"""Who may see and use which import batch. Every import view goes through here.

Imports are a write tool: only users who may edit persons use them (leaders
and evaluators get 404). Users see the batches of the subtrees they may change (tongxin.regions.scope).
"""

from django.db.models import QuerySet
from django.http import Http404

from tongxin.accounts.models import User
from tongxin.regions import scope

from .models import ImportBatch


def may_import(user: User) -> bool:
    return scope.writes_records(user)


def batches_visible_to(user: User) -> QuerySet[ImportBatch]:
    # Imports are a write tool: the batches of the subtrees the user may change.
    return ImportBatch.objects.writable_by(user)


def batch_for_user(user: User, pk: int, *, write: bool = False) -> ImportBatch:
    """The batch `pk` if `user` may use it; 404 otherwise (also for other regions').

    `write` is accepted for symmetry with the other access functions: every
    user who may see a batch may also act on it.
    """
    try:
        return batches_visible_to(user).select_related("created_by", "default_region").get(pk=pk)
    except (ImportBatch.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
