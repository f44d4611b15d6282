"""Choosing persons with the person list's filter, for 批量添加 and 邀请人员:
what both pages show of the filter and of the persons it matches
(templates engagement/_person_filter.html and _person_preview.html)."""

from tongxin.people.kept import person_groups, subcategories
from tongxin.people.listing import PersonFilter
from tongxin.people.models import Person
from tongxin.regions import scope

from .models import PositionType

PREVIEW_SIZE = 20
# More persons than this are added or invited only with `confirm` equal to
# the number shown, so a filter that grew between two requests asks again.
CONFIRM_ABOVE = 50


def pick_context(user, persons, person_filter: PersonFilter, hint: str, count: int) -> dict:
    """The filter bar's choices, the match count and the first matches."""
    return {
        "filter": person_filter,
        "hint": hint,
        "count": count,
        "confirm_above": CONFIRM_ABOVE,
        "preview": list(persons.select_related("region", "group").order_by("-id")[:PREVIEW_SIZE]),
        "regions": scope.readable_regions(user),
        "groups": person_groups(),
        "subcategories": subcategories(),
        "levels": Person.Level.choices,
        "statuses": Person.Status.choices,
        "position_types": PositionType.choices,
    }
