"""Reads for the annual review page: who is due, who reviewed whom, completion per region.

Due means active now: a person archived during the year drops out of the
year's count, one restored comes back in.
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, QuerySet

from tongxin.people.access import persons_visible_to
from tongxin.people.models import Person
from tongxin.regions.models import Region

from .access import person_reviews_visible_to
from .models import PersonReview, ReviewCycle


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
    """Reviewed / due per region, for the regions listed (two grouped queries)."""
    due = dict(due_persons(user).values_list("region_id").annotate(n=Count("*")).order_by())
    reviewed = dict(
        person_reviews_visible_to(user)
        .filter(cycle=cycle, person__status=Person.Status.ACTIVE)
        .values_list("person__region_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    return [Completion(r, due.get(r.pk, 0), reviewed.get(r.pk, 0)) for r in regions]


def reviews_of(cycle: ReviewCycle, person_ids: list[int]) -> dict[int, PersonReview]:
    rows = PersonReview.objects.filter(cycle=cycle, person_id__in=person_ids).select_related(
        "reviewed_by"
    )
    return {r.person_id: r for r in rows}
