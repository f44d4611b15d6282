"""Who may read a change request and who may act on it.

Everything follows the region rule (tongxin.regions.scope): a request is read
by the staff of its origin, its target and its approving node; the proposing
side (write scope over the origin, not over the approving node) drafts,
submits and withdraws; the approving side (write scope over the approving
node, which includes every node above it, e.g. the province for a move
between cities) approves or returns — never the request's own proposer.
"""

from django.http import Http404

from tongxin.people.access import persons_visible_to
from tongxin.regions.scope import write_scope, writes_records

from .models import ChangeRequest


def requests_visible_to(user):
    return ChangeRequest.objects.visible_to(user)


def request_for_user(user, pk: int) -> ChangeRequest:
    """The request, or 404 when it is outside the user's scope."""
    found = (
        requests_visible_to(user)
        .select_related("person", "tier__region", "origin", "target", "approver", "proposer")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def is_proposing_side(user, request: ChangeRequest) -> bool:
    if not writes_records(user):
        return False
    if request.proposer_id == user.pk:
        return True
    scope = write_scope(user)
    side = (
        request.target_id if request.direction == ChangeRequest.Direction.IN else request.origin_id
    )
    return scope.contains(side) and not scope.contains(request.approver_id)


def may_decide(user, request: ChangeRequest) -> bool:
    return (
        writes_records(user)
        and request.proposer_id != user.pk
        and write_scope(user).contains(request.approver_id)
    )


def may_comment(user, request: ChangeRequest) -> bool:
    """Staff who read the request (request_for_user) may add to it; leaders only read."""
    return writes_records(user)


def person_shown(user, request: ChangeRequest) -> bool:
    """Whether the page may name the request's person (only when in the user's scope)."""
    if request.person_id is None:
        return False
    return persons_visible_to(user).filter(pk=request.person_id).exists()
