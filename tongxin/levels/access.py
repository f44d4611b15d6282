"""Who may see and change level moves, quotas and the annual review.

Every record here belongs to a person, so the person rules apply through
`persons_visible_to`: county staff their own regions, city staff and admins
everything, leaders read-only, evaluators nothing.
"""

from django.db.models import QuerySet
from django.http import Http404

from tongxin.people.access import persons_visible_to
from tongxin.regions.models import Region

from .models import LevelChange, ReviewCycle


def reads_persons(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role != user.Role.EVALUATOR)
    )


def require_reader(user) -> None:
    if not reads_persons(user):
        raise Http404


def require_editor(user) -> None:
    """Writes (marking reviewed, moving levels): admin, city and county staff."""
    if not (
        user.is_authenticated and user.is_active and (user.is_superuser or user.can_edit_persons)
    ):
        raise Http404


def can_manage_city_wide(user) -> bool:
    """Quotas and starting a year's review are the city's: admins and city staff."""
    return bool(user.is_authenticated and user.is_active and user.can_place_at_city_level)


def regions_visible_to(user) -> QuerySet[Region]:
    """Regions whose persons `user` may see: all for city staff, admins and leaders."""
    if not reads_persons(user):
        return Region.objects.none()
    if user.is_superuser or user.sees_all_regions:
        return Region.objects.all()
    return Region.objects.filter(id__in=user.region_ids())


def level_changes_visible_to(user) -> QuerySet[LevelChange]:
    return LevelChange.objects.filter(person__in=persons_visible_to(user))


def review_cycle_for_user(user, year: int) -> ReviewCycle | None:
    """The year's cycle (shared by all regions) or None if not started; 404 for non-readers."""
    require_reader(user)
    return ReviewCycle.objects.filter(year=year).first()
