"""Who may see and change indicator systems, rounds, sheets and proposals.

Same rules as persons: city staff and admins everything, county staff their own
regions' records, leaders read only, evaluators only the sheets assigned to
them. Anything else answers 404.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from tongxin.accounts.models import User

from .models import EvaluationRound, EvaluationSheet, IndicatorSystem, RemovalProposal

STAFF_ROLES = {User.Role.ADMIN, User.Role.CITY, User.Role.COUNTY}


def _active(user) -> bool:
    return user.is_authenticated and user.is_active


def _sees_all(user) -> bool:
    return user.is_superuser or user.sees_all_regions


def is_evaluation_staff(user) -> bool:
    """May manage systems and rounds (within their regions)."""
    return _active(user) and (user.is_superuser or user.role in STAFF_ROLES)


def can_read_rounds(user) -> bool:
    return _active(user) and (user.is_superuser or user.role != User.Role.EVALUATOR)


def _get(qs: QuerySet, pk):
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- indicator systems --------------------------------------------------------


def indicator_systems_visible_to(user) -> QuerySet[IndicatorSystem]:
    """City-wide systems and, for county staff, their own regions' systems."""
    qs = IndicatorSystem.objects.all()
    if not can_read_rounds(user):
        return qs.none()
    if _sees_all(user):
        return qs
    return qs.filter(Q(region__isnull=True) | Q(region_id__in=user.region_ids()))


def indicator_systems_writable_by(user) -> QuerySet[IndicatorSystem]:
    qs = IndicatorSystem.objects.all()
    if not is_evaluation_staff(user):
        return qs.none()
    if user.is_superuser or user.role in {User.Role.ADMIN, User.Role.CITY}:
        return qs
    return qs.filter(region_id__in=user.region_ids())


def indicator_system_for_user(user, pk, *, write: bool = False) -> IndicatorSystem:
    qs = indicator_systems_writable_by(user) if write else indicator_systems_visible_to(user)
    return _get(qs.select_related("region", "copied_from"), pk)


def may_define_city_systems(user) -> bool:
    return _active(user) and (user.is_superuser or user.role in {User.Role.ADMIN, User.Role.CITY})


# --- rounds -------------------------------------------------------------------


def rounds_visible_to(user) -> QuerySet[EvaluationRound]:
    qs = EvaluationRound.objects.all()
    if not can_read_rounds(user):
        return qs.none()
    if _sees_all(user):
        return qs
    return qs.filter(region_id__in=user.region_ids())


def round_for_user(user, pk, *, write: bool = False) -> EvaluationRound:
    if write and not is_evaluation_staff(user):
        raise Http404
    return _get(rounds_visible_to(user).select_related("region", "system"), pk)


# --- sheets -------------------------------------------------------------------


def sheets_visible_to(user) -> QuerySet[EvaluationSheet]:
    """The user's own sheets, plus (for staff and leaders) the sheets of visible rounds."""
    qs = EvaluationSheet.objects.all()
    if not _active(user):
        return qs.none()
    own = Q(evaluator=user)
    if not can_read_rounds(user):
        return qs.filter(own)
    if _sees_all(user):
        return qs
    return qs.filter(own | Q(round__region_id__in=user.region_ids()))


def sheet_for_user(user, pk, *, write: bool = False) -> EvaluationSheet:
    """A sheet the user may see; with write=True, only the evaluator's own sheet."""
    qs = EvaluationSheet.objects.filter(evaluator=user) if write else sheets_visible_to(user)
    if not _active(user):
        raise Http404
    return _get(
        qs.select_related(
            "round", "round__system", "person", "person__group", "person__region", "evaluator"
        ),
        pk,
    )


# --- removal proposals --------------------------------------------------------


def proposal_for_user(user, pk, *, write: bool = False) -> RemovalProposal:
    if write and not is_evaluation_staff(user):
        raise Http404
    qs = RemovalProposal.objects.filter(round__in=rounds_visible_to(user))
    return _get(qs.select_related("round", "person", "result"), pk)
