"""What people adds to other apps' pages (core/hooks.py)."""

from django.db.models import Count, Q

from .models import Person


def region_list_annotations() -> list[tuple[str, object]]:
    """The active persons of each region on the region list (regions/views.py),
    counted in the same query as the regions."""
    return [
        ("person_count", Count("persons", filter=Q(persons__status=Person.Status.ACTIVE))),
    ]
