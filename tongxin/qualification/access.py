"""Who may see and manage qualification conditions and the eligibility report."""

from django.db.models import QuerySet
from django.http import Http404

from tongxin.core.access import require_system_admin
from tongxin.regions.scope import reads_records

from .models import Condition


def conditions_visible_to(user) -> QuerySet[Condition]:
    """Conditions are deployment-wide settings: every user who sees persons reads them."""
    if not (user.is_authenticated and user.is_active):
        return Condition.objects.none()
    if reads_records(user):
        return Condition.objects.all()
    return Condition.objects.none()


def condition_for_user(user, pk: int, *, write: bool = False) -> Condition:
    """The condition `pk`; writing is for system admins only. Anything else is 404."""
    if write:
        require_system_admin(user)
    try:
        return conditions_visible_to(user).get(pk=pk)
    except (Condition.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def require_report_reader(user) -> None:
    """The eligibility report lists persons: staff and leaders, not evaluators."""
    if not reads_records(user):
        raise Http404
