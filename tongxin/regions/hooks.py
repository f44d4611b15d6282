"""What regions adds to other apps' pages (core/hooks.py)."""

from .scope import all_regions


def kept_tables() -> list:
    """The region tree, which every page's region rule reads, read before the
    first request (core/warmup.py)."""
    return [all_regions]
