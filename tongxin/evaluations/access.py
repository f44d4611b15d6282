"""Who may see and change indicator systems, rounds, sheets and proposals.

The region rule (tongxin.regions.scope): staff their subtrees, leaders read
only, evaluators only the sheets assigned to them. Anything else answers 404.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from tongxin.accounts.models import User
from tongxin.regions import scope

from .models import EvaluationRound, EvaluationSheet, IndicatorSystem, RemovalProposal

STAFF_ROLES = {User.Role.ADMIN, User.Role.CITY, User.Role.COUNTY}


def _active(user) -> bool:
    return user.is_authenticated and user.is_active


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
    """Systems of the user's subtrees and of the nodes above them (a county
    scores with its city's system); systems without a region are the whole
    deployment's."""
    return IndicatorSystem.objects.visible_to(user)


def indicator_systems_writable_by(user) -> QuerySet[IndicatorSystem]:
    """Systems of the user's subtrees; a deployment-wide one only for users who see everything."""
    return IndicatorSystem.objects.writable_by(user)


def indicator_system_for_user(user, pk, *, write: bool = False) -> IndicatorSystem:
    qs = indicator_systems_writable_by(user) if write else indicator_systems_visible_to(user)
    return _get(qs.select_related("region", "copied_from"), pk)


def may_define_city_systems(user) -> bool:
    return _active(user) and (user.is_superuser or user.role in {User.Role.ADMIN, User.Role.CITY})


# --- rounds -------------------------------------------------------------------


def rounds_visible_to(user) -> QuerySet[EvaluationRound]:
    return EvaluationRound.objects.visible_to(user)


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
    readable = scope.read_scope(user)
    if readable.is_empty:
        return qs.filter(own)
    if readable.everything:
        return qs
    return qs.filter(own | readable.q("round__region"))


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
