"""The boxes engagement adds to a person's page (hooks.person_panels); the
timeline view refreshes its box with the same context."""

from django.urls import reverse

from . import access
from .models import Position, PositionLevel, current_positions_q
from .timeline import KIND_LABELS, kinds_with_rows, person_timeline, timeline_rows_html


def timeline_context(request, person) -> dict:
    kind = request.GET.get("kind", "")
    kind = kind if kind in KIND_LABELS else ""
    items = person_timeline(request.user, person, kind)
    return {
        "person": person,
        "items": items,
        "rows_html": timeline_rows_html(items),
        "url": reverse("engagement:person_timeline", args=[person.pk]),
        "kind": kind,
        "kinds": list(KIND_LABELS.items()),
    }


def positions_context(request, person) -> dict:
    # The person was checked already; their positions go with them whichever region they are in.
    positions = (
        Position.objects.filter(current_positions_q(), person=person).order_by("-start_date")
        if "position" in kinds_with_rows(person)
        else []
    )
    return {
        "person": person,
        "positions": positions,
        "can_edit": access.can_write(request.user),
        "levels": PositionLevel,
    }
