from django.urls import reverse

from .access import may_use_analysis


def nav_items(user) -> list[dict]:
    if not may_use_analysis(user):
        return []
    return [{"label": "结构分析", "url": reverse("analysis:index")}]


def warm_figures(user) -> list:
    """Count the structure page as it first opens (see core.versioned_cache),
    and keep the finished years' counts its trend reads."""
    if may_use_analysis(user):
        from django.utils import timezone

        from .services import year_end_snapshots_keep

        year_end_snapshots_keep(today=timezone.localdate())
        from .selectors import page_filter, structure

        structure(user, page_filter({}))
    return []
