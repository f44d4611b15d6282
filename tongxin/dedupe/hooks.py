from django.urls import reverse

from tongxin.regions.scope import reads_records

from .entry import matches_for, matches_for_many, row_warning


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
    items = [{"label": "查重与合并", "url": reverse("dedupe:queue")}]
    if user.is_system_admin:
        items.append({"label": "查重规则", "url": reverse("dedupe:rules")})
    return items
