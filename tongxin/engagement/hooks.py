"""培养使用 in the sidebar, and the timeline and current positions on a person's page."""

from django.urls import reverse

from .access import can_read
from .kinds import NAV


def nav_items(user) -> list[dict]:
    if not can_read(user):
        return []
    return [{"heading": "培养使用"}] + [
        {"label": label, "url": reverse(f"engagement:{slug}_list")} for label, slug in NAV
    ]


def person_panels(request, person) -> list[dict]:
    if not can_read(request.user):
        return []
    from .views import positions_context, timeline_context

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
