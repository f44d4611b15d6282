from django.urls import reverse

from tongxin.regions.scope import reads_records

from . import freshness
from .entry import matches_for, matches_for_many, row_warning
from .snapshots import completeness_snapshot_keep


def person_entry_matches(user, data: dict) -> list[dict]:
    """Likely matches of a person being registered (people's create view)."""
    return [{"person": match.person, "reason": match.reason} for match in matches_for(user, data)]


def import_row_matches(user, rows: list[dict]) -> list[tuple[int, str]]:
    """(position, warning) for the import rows that look registered already."""
    return [
        (position, row_warning(matches))
        for position, matches in enumerate(matches_for_many(user, rows))
        if matches
    ]


def nav_items(user) -> list[dict]:
    if not reads_records(user):
        return []
    items = [
        {"label": "查重与合并", "url": reverse("dedupe:queue")},
        {"label": "信息完整与更新", "url": reverse("dedupe:completeness")},
    ]
    if user.is_system_admin:
        items.append({"label": "查重规则", "url": reverse("dedupe:rules")})
    return items


def warm_figures(user) -> list:
    """Count the home card's figures and keep today's for its trend (see
    core.versioned_cache): the worker writes them, the home page only reads."""
    completeness_snapshot_keep(user=user)
    return []


def home_cards(user) -> list[dict]:
    """The node's completeness and freshness, with the change since the last
    figures kept at least a week ago (freshness.trend); reads only."""
    if not reads_records(user):
        return []
    total = freshness.total(user)
    if not total.persons:
        return []
    return [
        {
            "template": "dedupe/home_card.html",
            "order": 30,
            "width": 4,
            "context": {"total": total, "trend": freshness.trend(user, total)},
        }
    ]


def demo_records(seed: int) -> list[str]:
    """After the demo's persons are loaded: the full duplicate run, once."""
    from .models import DuplicatePair
    from .services import candidates_refresh

    if DuplicatePair.objects.exists():  # run before
        return []
    summary = candidates_refresh()
    if not summary["new"]:  # nothing new since the last run: made nothing
        return []
    return [f"查重：发现疑似重复 {summary['found']} 对（菜单“查重与合并”）"]
