"""Who may see a pair, a merge, the rules: one place (the region rule is
regions/scope.py; both persons of a pair must be inside the user's scope)."""

from django.http import Http404

from tongxin.regions.scope import reads_records, write_scope, writes_records

from .models import DuplicatePair, Merge


def require_reader(user) -> None:
    if not reads_records(user):
        raise Http404


def require_editor(user) -> None:
    if not writes_records(user):
        raise Http404


def pairs_for_user(user):
    require_reader(user)
    return DuplicatePair.objects.seen_by(user)


def pair_for_user(user, pk: int) -> DuplicatePair:
    pair = pairs_for_user(user).select_related("person_a", "person_b", "rule").filter(pk=pk).first()
    if pair is None:
        raise Http404
    return pair


def merge_for_user(user, pk: int) -> Merge:
    """A merge the user may undo: both records inside the scope it may change."""
    require_editor(user)

    scope = write_scope(user)
    merge = scope.filter(scope.filter(Merge.objects.all(), "survivor__region"), "merged__region")
    found = merge.select_related("survivor", "merged").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found
