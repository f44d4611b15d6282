from django.urls import reverse

from .access import may_import


def nav_items(user) -> list[dict]:
    if not may_import(user):
        return []
    return [{"label": "导入", "url": reverse("imports:list")}]
