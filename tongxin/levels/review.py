"""Reads for the annual review page: who is due, who reviewed whom, completion per region.

Due means active now: a person archived during the year drops out of the
year's count, one restored comes back in.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, QuerySet

from tongxin.core import options
from tongxin.core.kept_counts import kept_counts
from tongxin.people.access import persons_visible_to
from tongxin.people.models import Person
from tongxin.regions.models import Region

from .models import PersonReview, ReviewCycle
from .quotas import level_counts


def due_persons(user, *, region: int | None = None) -> QuerySet[Person]:
    qs = persons_visible_to(user).filter(status=Person.Status.ACTIVE)
    if region:
        qs = qs.filter(region_id=region)
    return qs


def with_review_state(qs: QuerySet[Person], cycle: ReviewCycle, reviewed: str) -> QuerySet[Person]:
    """Narrow to reviewed ("yes") or not yet reviewed ("no") persons; "" keeps all."""
    done = Exists(PersonReview.objects.filter(cycle=cycle, person=OuterRef("pk")))
    if reviewed == "yes":
        return qs.filter(done)
    if reviewed == "no":
        return qs.filter(~done)
    return qs


@dataclass
class Completion:
    region: Region
    due: int
    reviewed: int

    @property
    def percent(self) -> int:
        return round(100 * self.reviewed / self.due) if self.due else 100


def completion_by_region(user, cycle: ReviewCycle, regions: list[Region]) -> list[Completion]:
    """Reviewed / due per region, for the regions listed.

    Due is summed from the quota page's grouped count. Reviewed counts the
    review list's own "reviewed" filter per region: walked from the persons'
    side, one probe per person into the review's unique (cycle, person) index,
    never joining each review to the wide person row (seconds at a million
    persons). Kept current from the history of persons and reviews (kept_counts).
    """
    due: dict[int, int] = defaultdict(int)
    for (region_id, _level, _group, _sub), n in level_counts(user).items():
        due[region_id] += n
    rows = (
        with_review_state(due_persons(user), cycle, "yes")
        .values_list("region_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    reviewed = kept_counts(rows, models=(Person, PersonReview), links={PersonReview: "person_id"})
    return [Completion(r, due.get(r.pk, 0), reviewed.get(r.pk, 0)) for r in regions]


def reviews_of(cycle: ReviewCycle, person_ids: list[int]) -> dict[int, PersonReview]:
    rows = PersonReview.objects.filter(cycle=cycle, person_id__in=person_ids).select_related(
        "reviewed_by"
    )
    return {r.person_id: r for r in rows}


def review_due_date(year: int) -> datetime.date:
    """The year's review deadline, set on the 系统参数 page (default 31 December)."""
    month, day = options.value("review_due")
    return datetime.date(year, month, day)
