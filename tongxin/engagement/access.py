"""Who may see and change which engagement record.

Every record has a region and follows the person rules: city staff, admins
and leaders see every region, county staff only their own, evaluators
nothing; leaders never write. Anything else answers 404, so another region's
records are not even confirmed to exist. Every view goes through the named
functions below.
"""

from django.db.models import Model, QuerySet
from django.http import Http404

from tongxin.accounts.models import User

from .models import (
    Activity,
    Cluster,
    Honour,
    Nomination,
    Organisation,
    Position,
    Secondment,
    Training,
)


def can_write(user: User) -> bool:
    return user.is_authenticated and user.is_active and (user.is_superuser or user.can_edit_persons)


def can_read(user: User) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.sees_all_regions or user.role == User.Role.COUNTY)
    )


def sees_region(user: User, region_id: int) -> bool:
    """Whether `user` may see records of region `region_id` (no query for most users)."""
    if not can_read(user):
        return False
    return user.is_superuser or user.sees_all_regions or region_id in user.region_ids()


def visible_to(user: User, qs: QuerySet) -> QuerySet:
    """Rows of `qs` (a model with a `region`) that `user` may see."""
    if not can_read(user):
        return qs.none()
    if user.is_superuser or user.sees_all_regions:
        return qs
    return qs.filter(region_id__in=user.region_ids())


def record_for_user(user: User, qs: QuerySet, pk, *, write: bool = False) -> Model:
    """The row `pk` of `qs` if `user` may see it (and change it, with write=True)."""
    if write and not can_write(user):
        raise Http404
    try:
        return visible_to(user, qs).get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def trainings_visible_to(user: User) -> QuerySet[Training]:
    return visible_to(user, Training.objects.select_related("region"))


def training_for_user(user: User, pk, *, write: bool = False) -> Training:
    return record_for_user(user, trainings_visible_to(user), pk, write=write)


def secondments_visible_to(user: User) -> QuerySet[Secondment]:
    return visible_to(user, Secondment.objects.select_related("region", "person"))


def secondment_for_user(user: User, pk, *, write: bool = False) -> Secondment:
    return record_for_user(user, secondments_visible_to(user), pk, write=write)


def activities_visible_to(user: User) -> QuerySet[Activity]:
    return visible_to(user, Activity.objects.select_related("region", "type", "organisation"))


def activity_for_user(user: User, pk, *, write: bool = False) -> Activity:
    return record_for_user(user, activities_visible_to(user), pk, write=write)


def positions_visible_to(user: User) -> QuerySet[Position]:
    return visible_to(user, Position.objects.select_related("region", "person"))


def position_for_user(user: User, pk, *, write: bool = False) -> Position:
    return record_for_user(user, positions_visible_to(user), pk, write=write)


def nominations_visible_to(user: User) -> QuerySet[Nomination]:
    return visible_to(user, Nomination.objects.select_related("region", "person"))


def nomination_for_user(user: User, pk, *, write: bool = False) -> Nomination:
    return record_for_user(user, nominations_visible_to(user), pk, write=write)


def honours_visible_to(user: User) -> QuerySet[Honour]:
    return visible_to(user, Honour.objects.select_related("region", "person"))


def honour_for_user(user: User, pk, *, write: bool = False) -> Honour:
    return record_for_user(user, honours_visible_to(user), pk, write=write)


def organisations_visible_to(user: User) -> QuerySet[Organisation]:
    return visible_to(user, Organisation.objects.select_related("region", "parent", "cluster"))


def organisation_for_user(user: User, pk, *, write: bool = False) -> Organisation:
    return record_for_user(user, organisations_visible_to(user), pk, write=write)


def clusters_visible_to(user: User) -> QuerySet[Cluster]:
    return visible_to(user, Cluster.objects.select_related("region"))


def cluster_for_user(user: User, pk, *, write: bool = False) -> Cluster:
    return record_for_user(user, clusters_visible_to(user), pk, write=write)
