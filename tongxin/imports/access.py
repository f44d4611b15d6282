"""Who may see and use which import batch. Every import view goes through here.

Imports are a write tool: only users who may edit persons use them (leaders
and evaluators get 404). Users see the batches of the subtrees they may change (tongxin.regions.scope).
"""

from django.db.models import QuerySet
from django.http import Http404

from tongxin.accounts.models import User
from tongxin.regions import scope
from tongxin.regions.models import Region

from .models import ImportBatch, PhotoBatch, ValueMappingProposal


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


def may_map_values(user: User) -> bool:
    """May turn an unknown roster value into a dictionary synonym directly.

    Dictionaries serve every region, so this is for city staff (a staff or
    administrator account placed at a city or above) and superusers; county
    staff propose instead (imports/value_mappings.py).
    """
    if not may_import(user):
        return False
    if user.is_superuser or scope.sees_everything(user):
        return True
    if not user.can_place_at_city_level:
        return False
    placed_kinds = user.regions.values_list("kind", flat=True)
    return any(Region.RANK.get(kind, 2) <= Region.RANK[Region.Kind.CITY] for kind in placed_kinds)


def proposals_visible_to(user: User) -> QuerySet[ValueMappingProposal]:
    """The proposals a city user may decide: those of offices in their subtrees."""
    if not may_map_values(user):
        return ValueMappingProposal.objects.none()
    return ValueMappingProposal.objects.writable_by(user)


def proposal_for_user(user: User, pk: int) -> ValueMappingProposal:
    try:
        return proposals_visible_to(user).get(pk=pk)
    except (ValueMappingProposal.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def photo_batches_visible_to(user: User) -> QuerySet[PhotoBatch]:
    return PhotoBatch.objects.writable_by(user) if may_import(user) else PhotoBatch.objects.none()


def photo_batch_for_user(user: User, pk: int) -> PhotoBatch:
    try:
        return photo_batches_visible_to(user).select_related("created_by").get(pk=pk)
    except (PhotoBatch.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
