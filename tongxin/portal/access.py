"""Who among staff may see and handle links, change requests and attachments:
the region rule of the person they belong to (scope.py). Anything else is 404."""

from django.db.models import QuerySet
from django.http import Http404

from tongxin.people.access import person_for_user
from tongxin.people.models import Person
from tongxin.regions import scope

from .models import ChangeRequest, PersonalLink, SubmissionAttachment


def can_read(user) -> bool:
    return scope.reads_records(user)


def can_write(user) -> bool:
    return scope.writes_records(user)


def require_writer(user) -> None:
    if not can_write(user):
        raise Http404


def _get(qs: QuerySet, pk):
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def links_visible_to(user) -> QuerySet[PersonalLink]:
    return PersonalLink.objects.visible_to(user)


def link_for_user(user, pk, *, write: bool = False) -> PersonalLink:
    qs = PersonalLink.objects.writable_by(user) if write else links_visible_to(user)
    return _get(qs.select_related("person", "person__region"), pk)


def change_requests_visible_to(user) -> QuerySet[ChangeRequest]:
    return ChangeRequest.objects.visible_to(user)


def change_request_for_user(user, pk, *, write: bool = False) -> ChangeRequest:
    qs = ChangeRequest.objects.writable_by(user) if write else change_requests_visible_to(user)
    return _get(qs.select_related("person", "person__region"), pk)


def attachment_for_user(user, pk) -> SubmissionAttachment:
    return _get(SubmissionAttachment.objects.visible_to(user), pk)


def person_to_issue(user, pk) -> Person:
    """A person `user` may issue a link for: one they may write."""
    return person_for_user(user, pk, write=True)
