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
