"""What the engagement pages share: the record type from its slug, the
reader/writer guards, a list cell's text, the persons a user may see."""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import Http404

from tongxin.core.templatetags.tongxin import cn_date
from tongxin.regions import scope
from tongxin.regions.models import Region

from .. import access
from ..kinds import KINDS

# Participants shown per page of an activity or a training (2,000 in one page
# took seconds to render and scroll).
PARTICIPANTS_PER_PAGE = 100

# Kinds whose detail page lists persons in them, and what one such row is called.
WITHDRAWABLE = {
    "activities": "参加人员",
    "trainings": "参训人员",
    "clusters": "人员",
    "organisations": "成员",
}


def kind_for(slug: str):
    try:
        return KINDS[slug]
    except KeyError:
        raise Http404 from None


def require_reader(user) -> None:
    if not access.can_read(user):
        raise Http404


def require_writer(user) -> None:
    if not access.can_write(user):
        raise Http404


def cell(record, accessor: str, readable: scope.Scope | None = None) -> str:
    """The text of `record.<accessor>` as a list shows it ("a.b", methods called).

    With `readable`, a related record outside that scope (another region's
    organisation, a person who moved away) is shown as being there, unnamed.
    """
    value = record
    for part in accessor.split("."):
        if value is None:
            return ""
        value = getattr(value, part)
        if callable(value):
            value = value()
        if readable is not None and _outside(value, readable):
            return f"其他区域的{value._meta.verbose_name}"
    if isinstance(value, datetime.date):
        return cn_date(value)
    return "" if value is None else str(value)


def _outside(value, readable: scope.Scope) -> bool:
    if not isinstance(value, Model) or isinstance(value, Region):
        return False
    region_id = getattr(value, "region_id", None)
    return region_id is not None and not readable.contains(region_id)


def form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def restrict_persons(user, qs):
    """Rows about persons `user` may see; the others are counted, never named
    (`_outside_count`)."""
    return qs.visible_to(user)
