"""培养使用 in the sidebar, the timeline and current positions on a person's page,
and the coming activities on the home page."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from tongxin.core.versioned_cache import data_version, remembered
from tongxin.people.models import Person
from tongxin.regions.scope import read_scope

from .access import can_read
from .evidence import person_evidence
from .kinds import KINDS, NAV
from .models import (
    Activity,
    ActivityParticipant,
    RecordStatus,
    Training,
    TrainingParticipant,
)
from .panels import positions_context, timeline_context
from .timeline import presence_checks

HOME_UPCOMING = 5


def nav_items(user) -> list[dict]:
    if not can_read(user):
        return []
    return [{"heading": "培养使用"}] + [
        {"label": label, "url": reverse(f"engagement:{slug}_list")} for label, slug in NAV
    ]


def person_presence(request) -> list[tuple]:
    return presence_checks() if can_read(request.user) else []


def person_panels(request, person) -> list[dict]:
    if not can_read(request.user):
        return []
    return [
        {
            "template": "engagement/_positions_panel.html",
            "context": positions_context(request, person),
            "column": "side",
        },
        {
            "template": "engagement/_timeline_panel.html",
            "context": timeline_context(request, person),
            "column": "main",
        },
    ]


def home_cards(user) -> list[dict]:
    """The next activities and trainings in the user's regions: those starting
    today or later, and those still running today. Kept until an activity, a
    training, a participant or a person changes (their newest history ids are
    in the key; a person's move changes the counts) or the day does; the
    regions are named from the kept region rows when the card is drawn."""
    if not can_read(user):
        return []
    today = timezone.localdate()
    scope = read_scope(user)
    names = {region.pk: region.name for region in scope.region_rows()}
    parts = (
        scope.key,
        list(names),  # the regions under it now (the tree may have been moved)
        today.isoformat(),
        data_version(Activity, Training, ActivityParticipant, TrainingParticipant, Person),
    )
    items = [
        {**item, "region": names.get(item["region_id"], "")}
        for item in remembered("engagement:upcoming", parts, lambda: _upcoming(user, today))
    ]
    return [
        {
            "template": "engagement/home_upcoming.html",
            "order": 60,
            "width": 8,
            "context": {"items": items},
        }
    ]


def _upcoming(user, today) -> list[dict]:
    coming = Q(start_date__gte=today) | Q(end_date__gte=today)
    items = []
    for slug in ("activities", "trainings"):
        kind = KINDS[slug]
        rows = (
            kind.visible(user)
            .filter(coming, status=RecordStatus.ACTIVE)
            .select_related(None)
            # The list page's participant count: persons inside the user's scope.
            .annotate(**kind.annotate(read_scope(user)))
            .order_by("start_date", "id")[:HOME_UPCOMING]
        )
        items += [
            {
                "kind": kind.label,
                "title": str(row),
                "start": row.start_date,
                "end": row.end_date,
                "running": row.start_date < today,
                "region_id": row.region_id,
                "participants": row.participant_count,
                "url": reverse(f"engagement:{slug}_detail", args=[row.pk]),
            }
            for row in rows
        ]
    items.sort(key=lambda item: item["start"])
    return items[:HOME_UPCOMING]


def demo_records(seed: int) -> list[str]:
    from .demo import demo_invitations_ensure, demo_records_ensure

    return demo_records_ensure(seed=seed) + demo_invitations_ensure(seed=seed)


def evaluation_evidence(person, start, end, shown) -> list[dict]:
    """The records an evaluation rubric relies on, for an evaluator's sheet."""
    return person_evidence(person, start, end, shown)
