"""What this app adds to shared pages (see tongxin/core/hooks.py)."""

from django.db.models import Exists, OuterRef
from django.urls import reverse

from tongxin.core.hooks import present
from tongxin.core.templatetags.tongxin import cn_date

from .access import (
    can_read_service,
    can_write_records,
    service_requests_visible_to,
    suggestions_visible_to,
)
from .models import ServiceRequest, Suggestion, local_today


def nav_items(user) -> list[dict]:
    if not can_read_service(user):
        return []
    return [
        {"heading": "服务帮助"},
        {"label": "意见诉求", "url": reverse("service:request_list")},
        {"label": "建言献策", "url": reverse("service:suggestion_list")},
        {"label": "成员单位", "url": reverse("service:department_list")},
    ]


def person_presence(request) -> list[tuple]:
    if not can_read_service(request.user):
        return []
    submitted = Suggestion.submitters.through.objects
    return [
        ("service.requests", Exists(ServiceRequest.objects.filter(person=OuterRef("pk")))),
        ("service.suggestions", Exists(submitted.filter(person=OuterRef("pk")))),
    ]


def person_panels(request, person) -> list[dict]:
    """The person's requests (overdue ones marked) and suggestions."""
    user = request.user
    if not can_read_service(user):
        return []
    requests = (
        list(
            service_requests_visible_to(user)
            .filter(person=person)
            .select_related("category", "department")
            .order_by("-id")[:50]
        )
        if present(person, "service.requests")
        else []
    )
    suggestions = (
        list(
            suggestions_visible_to(user)
            .filter(submitters=person)
            .select_related("department")
            .order_by("-id")[:50]
        )
        if present(person, "service.suggestions")
        else []
    )
    today = local_today()
    return [
        {
            "template": "service/_person_panel.html",
            "column": "main",
            "context": {
                "person": person,
                "requests": requests,
                "overdue_ids": {r.pk for r in requests if r.is_overdue_on(today)},
                "suggestions": suggestions,
                "can_write": can_write_records(user),
            },
        }
    ]


def home_cards(user) -> list[dict]:
    """Open and overdue request counts over the user's regions, for the home page."""
    if not can_read_service(user):
        return []
    visible = service_requests_visible_to(user)
    return [
        {
            "template": "service/_home_card.html",
            "context": {
                "open": visible.open().count(),
                "overdue": visible.overdue().count(),
            },
        }
    ]


def demo_records(seed: int) -> list[str]:
    from .demo import demo_records_ensure

    return demo_records_ensure(seed=seed)


def evaluation_evidence(person, start, end, shown) -> list[dict]:
    """Suggestions of `person` adopted in the period, for an evaluator's sheet;
    another region's suggestion shows that it is there, without its title."""
    adopted = Suggestion.objects.filter(
        submitters=person,
        outcome__in=[
            Suggestion.Outcome.ADOPTED,
            Suggestion.Outcome.PARTLY_ADOPTED,
            Suggestion.Outcome.LEADER_INSTRUCTION,
        ],
        submitted_on__range=(start, end),
    ).order_by("submitted_on", "id")
    rows = [
        [s.title, s.get_outcome_display(), cn_date(s.submitted_on)]
        if shown.contains(s.region_id)
        else ["其他区域的记录", s.get_outcome_display(), cn_date(s.submitted_on)]
        for s in adopted
    ]
    return [
        {
            "key": "suggestions",
            "title": "建言被采纳",
            "columns": ["建言", "办理结果", "提出日期"],
            "rows": rows,
            "summary": f"{len(rows)} 项",
        }
    ]
