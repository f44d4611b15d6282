"""Qualification conditions on edge cases, evaluated both ways: per person
(`person_check`) and as a query (`condition_fails_q`). They must agree."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tongxin.people.models import Person, PoliticalStatus
from tongxin.qualification.checks import (
    age_on,
    check_context,
    condition_fails_q,
    person_check,
    years_before,
)
from tongxin.qualification.models import Condition
from tongxin.regions.models import Region

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 11, 22)


def defaults() -> dict[str, Condition]:
    return {c.field: c for c in Condition.objects.filter(is_active=True)}


def failing_by_query(condition: Condition, on: datetime.date) -> set[int]:
    ctx = check_context(on)
    return set(
        Person.objects.filter(condition_fails_q(condition, ctx)).values_list("id", flat=True)
    )


def failing_by_person(condition: Condition, on: datetime.date) -> set[int]:
    ctx = check_context(on)
    return {p.pk for p in Person.objects.all() if person_check(p, [condition], on=on, context=ctx)}


def assert_agree(condition: Condition, on: datetime.date = ON) -> set[int]:
    by_person = failing_by_person(condition, on)
    assert failing_by_query(condition, on) == by_person
    return by_person


def test_it_ships_the_four_default_conditions():
    conditions = defaults()
    assert set(conditions) == {"political_status", "age", "years_in_field", "in_deployment"}
    cpc = set(
        PoliticalStatus.objects.filter(name__in=["中共党员", "中共预备党员"]).values_list(
            "id", flat=True
        )
    )
    assert set(conditions["political_status"].value) == cpc
    assert conditions["political_status"].operator == "not_in"
    assert (conditions["age"].operator, conditions["age"].value) == ("lte", 60)
    assert (conditions["years_in_field"].operator, conditions["years_in_field"].value) == ("gte", 3)
    assert conditions["age"].failure_message == "年龄超过60周岁"


def test_it_passes_exactly_60_and_the_day_before_turning_61(make_person):
    exactly_60 = make_person(
        "满六十", birth_date=datetime.date(1966, 11, 22), career_start_year=2000
    )
    turns_61_tomorrow = make_person(
        "明天六十一", birth_date=datetime.date(1965, 11, 23), career_start_year=2000
    )
    turned_61_today = make_person(
        "今天六十一", birth_date=datetime.date(1965, 11, 22), career_start_year=2000
    )
    age = defaults()["age"]
    assert person_check(exactly_60, [age], on=ON) == []
    assert person_check(turns_61_tomorrow, [age], on=ON) == []
    failures = person_check(turned_61_today, [age], on=ON)
    assert [f.message for f in failures] == ["年龄超过60周岁"]
    assert assert_agree(age) == {turned_61_today.pk}
    # Tomorrow the second one is 61 too.
    tomorrow = ON + datetime.timedelta(days=1)
    assert assert_agree(age, tomorrow) == {turned_61_today.pk, turns_61_tomorrow.pk}


def test_it_handles_a_29_february_birthday(make_person):
    leap = make_person("闰日", birth_date=datetime.date(1964, 2, 29), career_start_year=2000)
    age = defaults()["age"]
    # 2025 has no 29 February: the 61st birthday counts from 1 March.
    assert person_check(leap, [age], on=datetime.date(2025, 2, 28)) == []
    assert person_check(leap, [age], on=datetime.date(2025, 3, 1)) != []
    assert assert_agree(age, datetime.date(2025, 2, 28)) == set()
    assert assert_agree(age, datetime.date(2025, 3, 1)) == {leap.pk}


def test_it_names_a_missing_career_start_year(make_person):
    missing = make_person("无年份", career_start_year=None)
    two_years = make_person("两年", career_start_year=2024)
    three_years = make_person("三年", career_start_year=2023)
    years = defaults()["years_in_field"]
    assert [f.message for f in person_check(missing, [years], on=ON)] == [
        "从业起始年份未填写，无法判断从业年限"
    ]
    assert [f.message for f in person_check(two_years, [years], on=ON)] == ["从业年限不足3年"]
    assert person_check(three_years, [years], on=ON) == []
    assert assert_agree(years) == {missing.pk, two_years.pk}


def test_it_refuses_cpc_members(make_person):
    member = make_person("党员", political_status=PoliticalStatus.objects.get(name="中共党员"))
    probationary = make_person(
        "预备", political_status=PoliticalStatus.objects.get(name="中共预备党员")
    )
    make_person("民盟", political_status=PoliticalStatus.objects.get(name="民盟盟员"))
    condition = defaults()["political_status"]
    assert assert_agree(condition) == {member.pk, probationary.pk}
    cpc_flag = Condition.objects.create(
        name="党外", field="cpc", operator="eq", value=False, failure_message="属中共党员"
    )
    assert assert_agree(cpc_flag) == {member.pk, probationary.pk}


def test_it_checks_the_region_is_inside_the_deployment(make_person, regions):
    inside = make_person("区内", region=regions["qingxiu"])
    other_city = Region.objects.create(code="450200", name="柳州市", kind=Region.Kind.CITY)
    outside = Region.objects.create(
        code="450202", name="城中区", kind=Region.Kind.DISTRICT, parent=other_city
    )
    # A second city is its own deployment only if it is active; make it look foreign
    # by deactivating it, as a deployment would do with a region it does not serve.
    other_city.is_active = False
    other_city.save()
    stranger = make_person("区外", region=outside)
    closed = Region.objects.create(
        code="450199",
        name="已撤销区",
        kind=Region.Kind.DISTRICT,
        parent=regions["city"],
        is_active=False,
    )
    in_closed = make_person("撤销区", region=closed)
    condition = defaults()["in_deployment"]
    failing = assert_agree(condition)
    assert failing == {stranger.pk, in_closed.pk}
    assert inside.pk not in failing


def test_it_treats_a_missing_dictionary_value_as_not_listed(make_person):
    from tongxin.people.models import Education

    none = make_person("无学历", education=None)
    college = make_person("本科", education=Education.objects.get(name="大学本科"))
    listed = Condition.objects.create(
        name="学历",
        field="education",
        operator="in",
        value=[Education.objects.get(name="研究生").pk],
        failure_message="学历不是研究生",
    )
    assert assert_agree(listed) == {none.pk, college.pk}
    assert [f.message for f in person_check(none, [listed], on=ON)] == ["学历未填写"]
    excluded = Condition.objects.create(
        name="非本科",
        field="education",
        operator="not_in",
        value=[Education.objects.get(name="大学本科").pk],
        failure_message="学历为本科",
    )
    assert assert_agree(excluded) == {college.pk}


@pytest.mark.parametrize("operator", ["lte", "gte", "eq", "ne"])
@pytest.mark.parametrize("field", ["age", "years_in_field"])
def test_every_number_operator_agrees_both_ways(make_person, operator, field):
    for i, (born, start) in enumerate(
        [
            (datetime.date(1966, 11, 22), 2023),
            (datetime.date(1965, 11, 23), 2024),
            (datetime.date(1965, 11, 22), None),
            (datetime.date(1966, 11, 21), 2000),
            (datetime.date(1990, 1, 1), 2026),
        ]
    ):
        make_person(f"人{i}", birth_date=born, career_start_year=start)
    value = 60 if field == "age" else 3
    condition = Condition.objects.create(
        name="c", field=field, operator=operator, value=value, failure_message="不符合"
    )
    assert_agree(condition)
    assert_agree(condition, datetime.date(2024, 2, 29))


@given(
    born=st.dates(datetime.date(1900, 1, 1), datetime.date(2020, 12, 31)),
    on=st.dates(datetime.date(2021, 1, 1), datetime.date(2099, 12, 31)),
    k=st.integers(0, 120),
)
def test_age_at_least_k_is_born_on_or_before_the_bound(born, on, k):
    """The translation the query relies on: age ≥ k ⇔ birth date ≤ `years_before(on, k)`."""
    assert (age_on(born, on) >= k) == (born <= years_before(on, k))
