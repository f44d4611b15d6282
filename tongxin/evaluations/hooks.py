"""The evaluation app's sidebar entries, the evaluator's home card and the
grade-history panel on a person's page."""

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse

from tongxin.core.hooks import present

from .access import can_read_rounds
from .models import EvaluationRound, EvaluationSheet, RoundResult


def nav_items(user) -> list[dict]:
    if user.role == user.Role.EVALUATOR and not user.is_superuser:
        return [
            {"label": "我的评审", "url": reverse("evaluations:my_sheets")},
        ]
    if not can_read_rounds(user):
        return []
    return [
        {"label": "综合评价", "url": reverse("evaluations:round_list")},
        {"label": "评价指标体系", "url": reverse("evaluations:system_list")},
    ]


def person_presence(request) -> list[tuple]:
    return [("evaluations.results", Exists(RoundResult.objects.filter(person=OuterRef("pk"))))]


def person_panels(request, person) -> list[dict]:
    """Grade history across closed rounds. The person was checked by person_for_user."""
    results = (
        RoundResult.objects.filter(person=person, round__status=EvaluationRound.Status.CLOSED)
        .select_related("round")
        .order_by("-round__closed_at", "-id")
        if present(person, "evaluations.results")
        else []
    )
    return [
        {
            "template": "evaluations/_grade_history_panel.html",
            "context": {"results": list(results)},
            "column": "main",
        }
    ]


def demo_records(seed: int) -> list[str]:
    from .demo import demo_records_ensure

    return demo_records_ensure(seed=seed)


HOME_SHEETS = 10  # pending sheets named on the evaluator's home page


def home_cards(user) -> list[dict]:
    """An evaluator's pending sheets, per open round, with the deadline."""
    if user.role != user.Role.EVALUATOR:
        return []
    pending = ~Q(status=EvaluationSheet.Status.SUBMITTED)
    rounds = (
        EvaluationSheet.objects.filter(evaluator=user, round__status=EvaluationRound.Status.OPEN)
        .values("round_id", "round__name", "round__deadline")
        .annotate(pending=Count("id", filter=pending), total=Count("id"))
        .order_by("round__deadline", "round_id")
    )
    rows = list(rounds)
    first_pending = (
        EvaluationSheet.objects.filter(evaluator=user, round__status=EvaluationRound.Status.OPEN)
        .filter(pending)
        .select_related("person", "round")
        .order_by("round__deadline", "round_id", "person__name_pinyin", "id")[:HOME_SHEETS]
    )
    return [
        {
            "template": "evaluations/_home_card.html",
            "context": {
                "rounds": rows,
                "sheets": list(first_pending),
                "pending": sum(r["pending"] for r in rows),
                "deadline": min((r["round__deadline"] for r in rows if r["pending"]), default=None),
            },
            "order": 1,
            "width": 8,
        }
    ]
