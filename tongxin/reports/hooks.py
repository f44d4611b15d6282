from django.urls import reverse

from .access import may_use_reports


def nav_items(user) -> list[dict]:
    if not may_use_reports(user):
        return []
    return [{"label": "报表", "url": reverse("reports:index")}]
