from django.urls import reverse

from .access import may_use_reports


def nav_items(user) -> list[dict]:
    if not may_use_reports(user):
        return []
    return [{"label": "报表", "url": reverse("reports:index")}]


def warm_figures(user) -> list:
    """Count 附件1 as it first opens for `user` (see core.versioned_cache)."""
    if may_use_reports(user):
        from .summary import default_summary_region, summary_counts, summary_regions_for

        region = default_summary_region(user, summary_regions_for(user))
        summary_counts(user, region.pk if region else None)
    return []
