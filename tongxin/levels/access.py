"""Who may see and change level moves, quotas and the annual review.

Every record here belongs to a person, so the region rule applies
(tongxin.regions.scope): staff their subtrees, leaders read-only, evaluators
nothing.
"""

from django.db.models import QuerySet
from django.http import Http404

from tongxin.regions import scope

from .models import LevelChange, ReviewCycle


def reads_persons(user) -> bool:
    return scope.reads_records(user)


def require_reader(user) -> None:
    if not reads_persons(user):
        raise Http404


def require_editor(user) -> None:
    """Writes (marking reviewed, moving levels): admin, city and county staff."""
    if not scope.writes_records(user):
        raise Http404


def can_manage_city_wide(user) -> bool:
    """Quotas and starting a year's review are the city's: admins and city staff."""
    return bool(user.is_authenticated and user.is_active and user.can_place_at_city_level)


def level_changes_visible_to(user) -> QuerySet[LevelChange]:
    return LevelChange.objects.visible_to(user)


def review_cycle_for_user(user, year: int) -> ReviewCycle | None:
    """The year's cycle (shared by all regions) or None if not started; 404 for non-readers."""
    require_reader(user)
    return ReviewCycle.objects.filter(year=year).first()
