"""Who may see and change which engagement record.

Every record has a region and follows the region rule (tongxin.regions.scope):
staff see and change their subtrees, leaders read them, evaluators see
nothing. Anything else answers 404, so another region's
records are not even confirmed to exist. Every view goes through the named
functions below.
"""

from django.db.models import Model, QuerySet
from django.http import Http404

from tongxin.accounts.models import User
from tongxin.regions import scope

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
    return scope.writes_records(user)


def can_read(user: User) -> bool:
    return scope.reads_records(user)


def sees_region(user: User, region_id: int) -> bool:
    """Whether `user` may see records of region `region_id`."""
    return scope.read_scope(user).contains(region_id)


def visible_to(user: User, qs: QuerySet) -> QuerySet:
    """Rows of `qs` (a region-owned model) that `user` may see."""
    return qs.visible_to(user)


def record_for_user(user: User, qs: QuerySet, pk, *, write: bool = False) -> Model:
    """The row `pk` of `qs` if `user` may see it (and change it, with write=True)."""
    try:
        return (qs.writable_by(user) if write else qs.visible_to(user)).get(pk=pk)
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
