"""The arithmetic of evaluation: indicator factors, sheet totals, grade bands.

A sheet's total is the weighted sum normalised to 100:
    Σ over dimensions of weight% × (points in dimension / max points in dimension)
which is linear in the points, so each indicator has one factor
weight% / (max points of its dimension) and a total is Σ points × factor.
The same factors feed the SQL of round closing and the sheet page.
"""

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from tongxin.core import options

CENT = Decimal("0.01")


def grade_bands() -> list[list]:
    """Lower bounds, inclusive, best grade first: set on the 系统参数 page
    (core/options.py), else TONGXIN_GRADE_BANDS, else A 90, B 75, C 60, D 0."""
    bands = options.value("grade_bands")
    return sorted(([str(g), float(low)] for g, low in bands), key=lambda b: -b[1])


def prepare_bands(bands: list[list] | None = None) -> list[tuple[str, Decimal]]:
    return [(grade, Decimal(str(low))) for grade, low in (bands or grade_bands())]


def grade_of(score: Decimal, prepared: list[tuple[str, Decimal]]) -> str:
    """grade_for with the bands prepared once, for loops over many scores."""
    for grade, low in prepared:
        if score >= low:
            return grade
    return prepared[-1][0]


def grade_for(score: Decimal | float | None, bands: list[list] | None = None) -> str:
    """The grade of a (rounded) score; boundaries are inclusive: 90.00 is A, 89.99 is B."""
    if score is None:
        return ""
    return grade_of(Decimal(str(score)), prepare_bands(bands))


def lowest_grade(bands: list[list] | None = None) -> str:
    return (bands or grade_bands())[-1][0]


def to_cents(value: float) -> Decimal:
    # Through a 9-digit string first so float noise (89.99999999997) rounds the way
    # the arithmetic on paper would, not down to 89.99.
    return Decimal(f"{value:.9f}").quantize(CENT, rounding=ROUND_HALF_UP)


def indicator_factors(dimensions: Iterable) -> dict[int, float]:
    """{indicator id: weight% / max points of its dimension} for a prefetched system."""
    factors = {}
    for dimension in dimensions:
        indicators = list(dimension.indicators.all())
        dimension_max = sum((i.max_points for i in indicators), Decimal(0))
        for indicator in indicators:
            factors[indicator.pk] = (
                float(dimension.weight) / float(dimension_max) if dimension_max else 0.0
            )
    return factors


def sheet_total(points: Mapping[int, Decimal], factors: Mapping[int, float]) -> Decimal:
    return to_cents(sum(float(p) * factors.get(i, 0.0) for i, p in points.items()))


def points_text(value: Decimal) -> str:
    """10.0 → "10", 7.5 → "7.5": how points read in messages and pages."""
    return format(Decimal(value).normalize(), "f")
