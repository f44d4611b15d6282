"""What the evaluation pages share: the reader and staff guards."""

from django.http import Http404

from ..access import (
    can_read_rounds,
    is_evaluation_staff,
)


def require_reader(user) -> None:
    if not can_read_rounds(user):
        raise Http404


def require_staff(user) -> None:
    if not is_evaluation_staff(user):
        raise Http404
