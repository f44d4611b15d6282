"""Who may see and change departments, requests and suggestions.

Requests and suggestions follow the region rule (tongxin.regions.scope):
staff see and change their subtrees, leaders read only, evaluators see
nothing. Anything else
answers 404. Every view of this app goes through these functions.
"""

from django.db.models import QuerySet
from django.http import Http404

from tongxin.accounts.models import User
from tongxin.regions import scope

from .models import Department, ServiceRequest, Suggestion


def can_read_service(user) -> bool:
    """May open this app's pages (everyone but evaluators)."""
    return scope.reads_records(user)


def can_write_records(user) -> bool:
    """May create and handle requests and suggestions (in the regions they see)."""
    return scope.writes_records(user)


def can_manage_departments(user) -> bool:
    """The directory is kept by admins and city staff; county staff only pick from it."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role in {User.Role.ADMIN, User.Role.CITY})
    )


def departments_visible_to(user) -> QuerySet[Department]:
    if not can_read_service(user):
        return Department.objects.none()
    return Department.objects.all()


def department_for_user(user, pk, *, write: bool = False) -> Department:
    if write and not can_manage_departments(user):
        raise Http404
    try:
        return departments_visible_to(user).get(pk=pk)
    except (Department.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def service_requests_visible_to(user) -> QuerySet[ServiceRequest]:
    return ServiceRequest.objects.visible_to(user)


def service_request_for_user(user, pk, *, write: bool = False) -> ServiceRequest:
    if write:
        # A request whose person has moved out of the user's scope stays
        # readable (it was this office's) but is no longer theirs to handle.
        qs = ServiceRequest.objects.writable_by(user).filter(
            scope.write_scope(user).q("person__region")
        )
    else:
        qs = service_requests_visible_to(user)
    try:
        return qs.select_related("person", "region", "category", "department", "created_by").get(
            pk=pk
        )
    except (ServiceRequest.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def suggestions_visible_to(user) -> QuerySet[Suggestion]:
    return Suggestion.objects.visible_to(user)


def suggestion_for_user(user, pk, *, write: bool = False) -> Suggestion:
    qs = Suggestion.objects.writable_by(user) if write else suggestions_visible_to(user)
    try:
        return qs.select_related("region", "department", "created_by").get(pk=pk)
    except (Suggestion.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
