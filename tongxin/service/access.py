"""Who may see and change departments, requests and suggestions.

Requests and suggestions follow the person rules (tongxin.people.access):
county staff see and change only their own regions' records, city staff and
admins see all, leaders read only, evaluators see nothing. Anything else
answers 404. Every view of this app goes through these functions.
"""

from django.db.models import QuerySet
from django.http import Http404

from tongxin.accounts.models import User

from .models import Department, ServiceRequest, Suggestion


def can_read_service(user) -> bool:
    """May open this app's pages (everyone but evaluators)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.role != User.Role.EVALUATOR)
    )


def can_write_records(user) -> bool:
    """May create and handle requests and suggestions (in the regions they see)."""
    return bool(
        user.is_authenticated and user.is_active and (user.is_superuser or user.can_edit_persons)
    )


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


def _region_scoped(qs: QuerySet, user) -> QuerySet:
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_superuser or user.sees_all_regions:
        return qs
    if user.role == User.Role.COUNTY:
        return qs.filter(region_id__in=user.region_ids())
    return qs.none()


def service_requests_visible_to(user) -> QuerySet[ServiceRequest]:
    return _region_scoped(ServiceRequest.objects.all(), user)


def service_request_for_user(user, pk, *, write: bool = False) -> ServiceRequest:
    if write and not can_write_records(user):
        raise Http404
    try:
        return (
            service_requests_visible_to(user)
            .select_related("person", "region", "category", "department", "created_by")
            .get(pk=pk)
        )
    except (ServiceRequest.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def suggestions_visible_to(user) -> QuerySet[Suggestion]:
    return _region_scoped(Suggestion.objects.all(), user)


def suggestion_for_user(user, pk, *, write: bool = False) -> Suggestion:
    if write and not can_write_records(user):
        raise Http404
    try:
        return (
            suggestions_visible_to(user)
            .select_related("region", "department", "created_by")
            .get(pk=pk)
        )
    except (Suggestion.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
