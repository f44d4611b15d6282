"""Reads over engagement records that other apps' pages use."""

from django.db.models import Exists, OuterRef, QuerySet

from .models import Position, current_positions_q


def persons_holding_position(persons: QuerySet, position_type: str) -> QuerySet:
    """The persons who hold a current position of this type.

    The person list's "现任职务" filter (people/listing.py, registered in apps.py).
    """
    return persons.filter(
        Exists(
            Position.objects.filter(
                current_positions_q(), person=OuterRef("pk"), type=position_type
            )
        )
    )
