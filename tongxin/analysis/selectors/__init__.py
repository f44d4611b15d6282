"""The figures of the structure analysis.

Every distribution is summed from grouped counts over `filtered_persons`, the
query the person list runs, and every bucket carries the list filter that
selects exactly its persons. So a figure on a chart and the total of the list
it links to cannot disagree.

Trends read the person history instead: the state of each person at a past
year end is their latest history row up to that day.

By sub-domain: the one grouped count and its folding into cells (`cube.py`),
the distributions drawn from it (`distributions.py`), the trends over year
ends (`history.py`). Import from the package: `from .selectors import …`."""

from .cube import AGE_BANDS, CUBE_COLUMNS, FACT_COLUMNS, facts, page_filter
from .distributions import (
    HORIZONTAL_AFTER_CHARS,
    NONE,
    TOP_ETHNICITIES,
    TREND_YEARS,
    Bucket,
    Distribution,
    Structure,
    cn_day,
    structure,
)
from .history import Trend, history_counts, trends, visible_regions, year_end_counts, year_ends

__all__ = [
    "AGE_BANDS",
    "Bucket",
    "CUBE_COLUMNS",
    "Distribution",
    "FACT_COLUMNS",
    "HORIZONTAL_AFTER_CHARS",
    "NONE",
    "Structure",
    "TOP_ETHNICITIES",
    "TREND_YEARS",
    "Trend",
    "cn_day",
    "facts",
    "history_counts",
    "page_filter",
    "structure",
    "trends",
    "visible_regions",
    "year_end_counts",
    "year_ends",
]
