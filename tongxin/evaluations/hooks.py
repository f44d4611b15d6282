"""The evaluation app's sidebar entries and the grade-history panel on a person's page."""

from django.urls import reverse

from .access import can_read_rounds
from .models import EvaluationRound, RoundResult


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


def person_panels(request, person) -> list[dict]:
    """Grade history across closed rounds. The person was checked by person_for_user."""
    results = (
        RoundResult.objects.filter(person=person, round__status=EvaluationRound.Status.CLOSED)
        .select_related("round")
        .order_by("-round__closed_at", "-id")
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
