from django.urls import reverse

from .access import may_use_analysis


def nav_items(user) -> list[dict]:
    if not may_use_analysis(user):
        return []
    return [{"label": "结构分析", "url": reverse("analysis:index")}]
