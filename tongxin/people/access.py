"""Who may see and change which person. Every view, export, search and report
goes through these two functions, so the rule lives in one tested place."""

from django.db.models import QuerySet
from django.http import Http404

from tongxin.accounts.models import User

from .models import Person


def persons_visible_to(user: User) -> QuerySet[Person]:
    """All persons `user` may see (active and archived)."""
    qs = Person.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_superuser or user.sees_all_regions:
        return qs
    if user.role == User.Role.COUNTY:
        return qs.filter(region_id__in=user.region_ids())
    # Evaluators see persons only through the sheets assigned to them.
    return qs.none()


def person_for_user(user: User, pk: int, *, write: bool = False) -> Person:
    """The person `pk` if `user` may see it (and change it, with write=True).

    Anything else answers 404, so another region's records are not even
    confirmed to exist.
    """
    if write and not (user.is_superuser or user.can_edit_persons):
        raise Http404
    try:
        return (
            persons_visible_to(user)
            .select_related(
                "region",
                "ethnicity",
                "political_status",
                "education",
                "degree",
                "group",
                "subcategory",
            )
            .get(pk=pk)
        )
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def regions_writable_by(user: User):
    """Regions in which `user` may register or move persons."""
    from tongxin.regions.models import Region

    qs = Region.objects.filter(is_active=True)
    if user.is_superuser or user.role in {User.Role.ADMIN, User.Role.CITY}:
        return qs
    if user.role == User.Role.COUNTY:
        return qs.filter(id__in=user.region_ids())
    return qs.none()
