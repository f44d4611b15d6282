"""Age bands: a birth date falls in a band exactly when the whole years lived
by the chosen day do (29 February included)."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from tongxin.people.listing import born_by, parse_age_band

days = st.dates(min_value=datetime.date(1920, 1, 1), max_value=datetime.date(2100, 12, 31))


def age_on(born: datetime.date, on: datetime.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@given(born=days, on=days, years=st.integers(min_value=0, max_value=100))
def test_born_by_is_the_last_birth_date_of_that_age(born, on, years):
    if on.year - years < 1:
        return
    assert (born <= born_by(on, years)) == (age_on(born, on) >= years)


@given(low=st.integers(0, 120), high=st.integers(0, 120))
def test_it_parses_every_well_formed_band(low, high):
    assert parse_age_band(f"-{high}") == (None, high)
    assert parse_age_band(f"{low}-") == (low, None)
    assert parse_age_band(f"{low}-{high}") == ((low, high) if low <= high else None)


@given(st.text(max_size=8))
def test_it_rejects_anything_else(text):
    band = parse_age_band(text)
    if band is not None:
        low, high = band
        assert text == f"{'' if low is None else low}-{'' if high is None else high}"
