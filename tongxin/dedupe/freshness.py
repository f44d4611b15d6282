"""Complete and current: reads over the persons of a scope.

A record is *confirmed* by a staff edit (any save bumps Person.updated_at)
or by the annual review (levels.PersonReview). People has no
last-confirmed column, and this app adds none to it: the date is the later
of the two, read where it is kept.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from tongxin.core.kept_counts import kept_counts
from tongxin.core.versioned_cache import data_version, remembered
from tongxin.levels.models import PersonReview
from tongxin.people.completeness import (
    completeness_expression,
    completeness_fields,
    fields_to_complete,
    fields_wanted,
    to_complete_q,
)
from tongxin.people.models import Person
from tongxin.regions.models import Region
from tongxin.regions.scope import read_scope
from tongxin.regions.versions import placements_version

from .models import CompletenessSnapshot

STALE_LABEL = "超过一年未更新"


def stale_cutoff() -> datetime.datetime:
    """The start of the day STALE_AFTER_DAYS ago: a whole day, so the kept
    counts (`total`) keep one key through the day rather than one a request."""
    day = timezone.localdate() - datetime.timedelta(days=settings.STALE_AFTER_DAYS)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def stale_q() -> Q:
    cutoff = stale_cutoff()
    reviewed = PersonReview.objects.filter(person=OuterRef("pk"), reviewed_at__gte=cutoff)
    return Q(updated_at__lt=cutoff) & ~Exists(reviewed)


def persons_stale(qs, _value: str = "1"):
    """The person-list filter 超过一年未更新 (registered in apps.py)."""
    return qs.filter(stale_q())


def last_confirmed(person: Person) -> datetime.datetime:
    reviewed = PersonReview.objects.filter(person=person).aggregate(at=Max("reviewed_at"))["at"]
    return max(filter(None, [person.updated_at, reviewed]))


@dataclass
class Rollup:
    label: str
    persons: int
    to_complete: int
    stale: int
    filled: int  # fields filled, over persons × fields
    fields: int
    region_id: int | None = None

    @property
    def percent_complete(self) -> int:
        return (
            round(100 * (self.persons - self.to_complete) / self.persons) if self.persons else 100
        )

    @property
    def percent_fields(self) -> int:
        total = self.persons * self.fields
        return round(100 * self.filled / total) if total else 100

    @property
    def percent_current(self) -> int:
        return round(100 * (self.persons - self.stale) / self.persons) if self.persons else 100


def _figures(qs) -> dict:
    return dict(
        persons=Count("id"),
        to_complete=Count("id", filter=to_complete_q()),
        stale=Count("id", filter=stale_q()),
        filled=Sum(completeness_expression()),
    )


def active_persons(user):
    return Person.objects.visible_to(user).filter(status=Person.Status.ACTIVE)


def total(user) -> Rollup:
    """The figures of the user's whole scope (the home card's), kept current
    from the person and review history (core/kept_counts.py): counted afresh
    over a city's 770,000 persons they took 1.9 s on SQLite, on the first
    home page after every change. The SQL holds the day's cutoff, so a new
    day counts once afresh (the worker does it, hooks.home_cards).

    The rollup itself is remembered for the scope, the day, the rules and the
    data as they are: building and compiling the counting query (a sum over
    every completeness field) cost 8–10 ms of each home page at 1M persons,
    more than reading the kept counts it names."""
    parts = (
        read_scope(user).key,
        placements_version(),
        timezone.localdate(),
        completeness_fields(),
        settings.STALE_AFTER_DAYS,
        data_version(Person, PersonReview),
    )
    return remembered("freshness-total", parts, lambda: _total(user))


def _total(user) -> Rollup:
    rows = active_persons(user).order_by().values_list("status").annotate(**_figures(None))
    kept = kept_counts(
        rows,
        models=(Person, PersonReview),
        links={PersonReview: "person_id"},
        # The person history keeps no updated_at; each save writes it and a
        # history row dated the same moment (the worker's full recount every
        # 30 minutes corrects a save that did not, kept_counts.FULL_RECOUNT_SECONDS).
        stand_ins={"updated_at": "history_date"},
    )
    persons, to_complete, stale, filled = kept.get(Person.Status.ACTIVE, (0, 0, 0, 0))
    return Rollup("合计", persons, to_complete, stale, filled or 0, len(completeness_fields()))


def trend(user, today_total: Rollup) -> dict | None:
    """The change since the newest figures kept at least a week ago, or None
    before there are any. Reads only: the figures are kept by the task worker
    (snapshots.completeness_snapshot_keep, from hooks.warm_figures), never by
    a page."""
    today = timezone.localdate()
    before = (
        CompletenessSnapshot.objects.filter(
            scope_key=read_scope(user).key, day__lte=today - datetime.timedelta(days=7)
        )
        .order_by("-day")
        .first()
    )
    if before is None:
        return None
    return {
        "since": before.day,
        "complete": today_total.percent_complete - before.percent_complete,
        "current": today_total.percent_current - before.percent_current,
    }


def _child_of(regions: dict[int, Region], roots: list[Region]):
    """region id → the root's child (or the root) it rolls up to."""
    by_path = {}
    for region in regions.values():
        for root in roots:
            if region.path.startswith(root.path):
                rest = region.path[len(root.path) :].strip("/").split("/")
                child_id = int(rest[0]) if rest and rest[0] else root.pk
                by_path[region.pk] = child_id
                break
    return by_path


def by_child_region(user) -> list[Rollup]:
    """Completeness and freshness per child region of the user's node(s), worst first."""
    scope = read_scope(user)
    regions = (
        {r.pk: r for r in scope.regions()}
        if not scope.everything
        else {r.pk: r for r in Region.objects.all()}
    )
    if not regions:
        return []
    paths = {r.path for r in regions.values()}
    roots = [r for r in regions.values() if not any(
        r.path != p and r.path.startswith(p) for p in paths)]  # fmt: skip
    rolled = _child_of(regions, roots)
    rows = active_persons(user).values("region").annotate(**_figures(None))
    fields = len(completeness_fields())
    result: dict[int, Rollup] = {}
    for row in rows:
        child = rolled.get(row["region"], row["region"])
        entry = result.setdefault(
            child,
            Rollup(regions[child].name if child in regions else "—", 0, 0, 0, 0, fields, child),
        )
        entry.persons += row["persons"]
        entry.to_complete += row["to_complete"]
        entry.stale += row["stale"]
        entry.filled += row["filled"] or 0
    return sorted(result.values(), key=lambda r: (r.percent_complete, r.percent_current))


def by_group(user) -> list[Rollup]:
    fields = len(completeness_fields())
    rows = active_persons(user).values("group__name").annotate(**_figures(None))
    result = [
        Rollup(
            row["group__name"],
            row["persons"],
            row["to_complete"],
            row["stale"],
            row["filled"] or 0,
            fields,
        )  # fmt: skip
        for row in rows
    ]
    return sorted(result, key=lambda r: (r.percent_complete, r.percent_current))


@dataclass
class Chase:
    person: Person
    missing: list[str]
    wanted: list[str]
    confirmed: datetime.datetime


def worst(user, *, limit: int | None = 50):
    """The records to chase, fewest filled fields first, then least recently
    confirmed: each with what is missing (for the page and the export)."""
    latest_review = PersonReview.objects.filter(person=OuterRef("pk")).order_by("-reviewed_at")
    qs = (
        active_persons(user)
        .filter(to_complete_q() | stale_q())
        .annotate(
            filled=completeness_expression(),
            reviewed=Subquery(latest_review.values("reviewed_at")[:1]),
        )
        .select_related("region", "group")
        .order_by("filled", "updated_at", "id")
    )
    if limit is not None:
        qs = qs[:limit]
    for person in qs.iterator(2000):
        confirmed = max(filter(None, [person.updated_at, person.reviewed]))
        yield Chase(person, fields_to_complete(person), fields_wanted(person), confirmed)
