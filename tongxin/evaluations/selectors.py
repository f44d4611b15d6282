"""Reads over evaluation results that other apps' pages use."""

from django.db.models import F, OuterRef, Q, QuerySet, Subquery

from .models import EvaluationRound, RoundResult


def latest_grade_subquery():
    """The grade of a person's result in their latest closed evaluation round."""
    return Subquery(
        RoundResult.objects.filter(
            person=OuterRef("pk"), round__status=EvaluationRound.Status.CLOSED
        )
        .order_by(F("round__closed_at").desc(nulls_last=True), "-round_id")
        .values("grade")[:1]
    )


def persons_with_latest_grade(persons: QuerySet, grade: str) -> QuerySet:
    """The persons whose latest closed round gave `grade`; "none": no grade yet.

    The person list's "最近评价等次" filter (people/listing.py, registered in apps.py).
    """
    persons = persons.annotate(latest_grade=latest_grade_subquery())
    if grade == "none":
        return persons.filter(Q(latest_grade__isnull=True) | Q(latest_grade=""))
    return persons.filter(latest_grade=grade)
