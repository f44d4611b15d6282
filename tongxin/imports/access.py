"""Who may see and use which import batch. Every import view goes through here.

Imports are a write tool: only users who may edit persons use them (leaders
and evaluators get 404). County staff see the batches of their own region(s);
city staff and admins see all.
"""

from django.db.models import QuerySet
from django.http import Http404

from tongxin.accounts.models import User

from .models import ImportBatch


def may_import(user: User) -> bool:
    return user.is_authenticated and user.is_active and (user.is_superuser or user.can_edit_persons)


def batches_visible_to(user: User) -> QuerySet[ImportBatch]:
    qs = ImportBatch.objects.all()
    if not may_import(user):
        return qs.none()
    if user.is_superuser or user.sees_all_regions:
        return qs
    return qs.filter(region_id__in=user.region_ids())


def batch_for_user(user: User, pk: int, *, write: bool = False) -> ImportBatch:
    """The batch `pk` if `user` may use it; 404 otherwise (also for other regions').

    `write` is accepted for symmetry with the other access functions: every
    user who may see a batch may also act on it.
    """
    try:
        return batches_visible_to(user).select_related("created_by", "default_region").get(pk=pk)
    except (ImportBatch.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
