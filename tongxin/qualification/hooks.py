from django.urls import reverse
from django.utils import timezone

from tongxin.regions.scope import reads_records

from .checks import active_conditions, check_context, person_check


def kept_tables() -> list:
    """The conditions every person page checks, read before the first
    request (core/warmup.py)."""
    return [active_conditions]


def _reads_persons(user) -> bool:
    return reads_records(user)


def nav_items(user) -> list[dict]:
    items = []
    if _reads_persons(user):
        items.append({"label": "资格条件", "url": reverse("qualification:report")})
    if user.is_system_admin:
        items.append({"label": "资格条件设置", "url": reverse("qualification:conditions")})
    return items


def person_panels(request, person) -> list[dict]:
    on = timezone.localdate()
    conditions = active_conditions()
    failures = person_check(person, conditions, on=on, context=check_context(on))
    return [
        {
            "template": "qualification/_person_panel.html",
            "context": {"failures": failures, "has_conditions": bool(conditions), "on": on},
            "column": "side",
        }
    ]
