"""Kept counts (core/kept_counts.py) equal a full count after any sequence of writes."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import Case, Count, Value, When
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tongxin.analysis.selectors.cube import CUBE_COLUMNS, _younger_than
from tongxin.core.kept_counts import _grouped, kept_counts
from tongxin.levels.models import PersonReview, ReviewCycle
from tongxin.levels.review import due_persons, with_review_state
from tongxin.levels.services import person_review_mark
from tongxin.people.access import persons_visible_to
from tongxin.people.models import Person
from tongxin.people.services import person_archive, person_restore, person_update
from tongxin.privacy.services import person_erase

ON = datetime.date(2026, 12, 4)


def _queries(user, cycle):
    """(queryset, models, links) of the product's kept counts, for `user`."""
    active = persons_visible_to(user).filter(status=Person.Status.ACTIVE)
    ends = _younger_than(ON)
    return [
        (
            active.values_list("region_id", "level", "group_id", "subcategory_id")
            .annotate(n=Count("*"))
            .order_by(),
            (Person,),
            None,
        ),
        (
            active.values_list(*CUBE_COLUMNS)
            .annotate(
                n=Count("*"),
                **{f"upto_{a}": Count(Case(When(q, then=Value(1)))) for a, q in ends.items()},
            )
            .order_by(),
            (Person,),
            None,
        ),
        (
            with_review_state(due_persons(user), cycle, "yes")
            .values_list("region_id")
            .annotate(n=Count("*"))
            .order_by(),
            (Person, PersonReview),
            {PersonReview: "person_id"},
        ),
    ]


def _assert_kept_equal_full(user, cycle):
    for rows, models, links in _queries(user, cycle):
        assert kept_counts(rows, models=models, links=links) == _grouped(rows)


@pytest.fixture
def cycle(db, admin_user):
    return ReviewCycle.objects.create(year=2026, started_by=admin_user)


WRITES = st.lists(
    st.tuples(
        st.sampled_from(["create", "move", "level", "sex", "born", "archive", "restore", "review"]),
        st.integers(min_value=0, max_value=50),
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(writes=WRITES)
def test_it_equals_a_full_count_after_any_writes(
    writes, regions, make_person, city_user, xingning_user, admin_user, cycle
):
    """Each example goes on from the last one's data and kept counts, so
    later examples bring up to date counts kept many writes ago."""
    places = [regions["xingning"], regions["qingxiu"]]
    for user in (city_user, xingning_user):
        _assert_kept_equal_full(user, cycle)
    for kind, n in writes:
        persons = list(Person.objects.order_by("pk"))
        if kind == "create" or not persons:
            born = datetime.date(1960 + n % 40, 1 + n % 12, 1 + n % 28)
            make_person(f"甲{Person.objects.count()}", region=places[n % 2], birth_date=born)
            continue
        person = persons[n % len(persons)]
        if kind == "review":
            review = PersonReview.objects.filter(person=person).first()
            if review is not None:
                review.delete()  # simple-history writes its "-" row
            elif not person.is_archived:
                person_review_mark(actor=admin_user, cycle=cycle, person=person)
        elif kind == "archive" and not person.is_archived:
            person_archive(actor=admin_user, person=person, reason="withdrew", on_date=ON)
        elif kind == "restore" and person.is_archived:
            person_restore(actor=admin_user, person=person)
        elif kind in {"move", "level", "sex", "born"}:
            data = {
                "move": {"region": places[(person.region_id + 1) % 2]},
                "level": {"level": [Person.Level.CITY, Person.Level.COUNTY][n % 2]},
                "sex": {"sex": "F" if person.sex == "M" else "M"},
                "born": {"birth_date": datetime.date(1950 + n, 3, 3)},
            }[kind]
            person_update(
                actor=admin_user, person=person, data=data, expected_version=person.version
            )
        for user in (city_user, xingning_user):
            _assert_kept_equal_full(user, cycle)


def test_it_brings_the_counts_up_to_date_without_counting_everything(
    make_person, city_user, cycle, regions
):
    for n in range(3):
        make_person(f"乙{n}")
    rows, models, links = _queries(city_user, cycle)[0]
    kept_counts(rows, models=models, links=links)
    make_person("丙", region=regions["qingxiu"])
    with CaptureQueriesContext(connection) as queries:
        counts = kept_counts(rows, models=models, links=links)
    assert counts == _grouped(rows)
    grouped = [q["sql"] for q in queries.captured_queries if "GROUP BY" in q["sql"]]
    # The changed ids found in history, their rows then, and their rows now:
    # every grouped query is narrowed to the changed person.
    assert grouped and all(" IN (" in sql for sql in grouped), grouped


def test_it_notices_history_committed_below_the_version_it_counted(
    make_person, city_user, cycle, regions
):
    """PostgreSQL hands out history ids before commit: a transaction that
    commits after the count may hold ids below the counted version."""
    history = Person.history.model
    make_person("丁")
    gap = make_person("戊")
    newest = history.objects.get(id=gap.pk)
    history.objects.filter(pk=newest.pk).update(history_id=newest.pk + 100)
    rows, models, links = _queries(city_user, cycle)[0]
    kept_counts(rows, models=models, links=links)
    late = make_person("己", region=regions["qingxiu"], level=Person.Level.CITY)
    history.objects.filter(id=late.pk).update(history_id=newest.pk + 50)  # inside the gap
    following = make_person("庚")  # the next change, after the late one
    history.objects.filter(id=following.pk).update(history_id=newest.pk + 101)
    assert kept_counts(rows, models=models, links=links) == _grouped(rows)
    assert _grouped(rows)[(regions["qingxiu"].pk, Person.Level.CITY, late.group_id, None)] == 1


def test_an_erasure_makes_every_count_start_again(
    make_person, city_user, admin_user, cycle, django_capture_on_commit_callbacks
):
    erased = make_person("辛")
    make_person("壬")  # the newest history row is not the erased person's
    for rows, models, links in _queries(city_user, cycle):
        kept_counts(rows, models=models, links=links)
    with django_capture_on_commit_callbacks(execute=True):
        person_erase(
            actor=admin_user,
            person=erased,
            details={"requester": "辛", "received_on": ON, "reference": "删除申请1号"},
        )
    _assert_kept_equal_full(city_user, cycle)
    assert sum(_grouped(_queries(city_user, cycle)[0][0]).values()) == 1


def test_it_counts_nothing_for_a_user_who_sees_nobody(cycle, regions):
    from tongxin.accounts.models import User

    nobody = User.objects.create_user("nobody", password="x", role=User.Role.EVALUATOR)
    cache.clear()
    for rows, models, links in _queries(nobody, cycle):
        assert kept_counts(rows, models=models, links=links) == {}
