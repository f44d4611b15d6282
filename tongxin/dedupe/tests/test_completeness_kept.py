"""The home card's completeness figures are kept counts: after a change only
the changed persons are counted again, and the figures equal a fresh count."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tongxin.dedupe import freshness
from tongxin.levels.models import PersonReview, ReviewCycle
from tongxin.people import services
from tongxin.people.models import Person

pytestmark = pytest.mark.django_db


def _fresh(user) -> tuple:
    row = freshness.active_persons(user).aggregate(**freshness._figures(None))
    return row["persons"], row["to_complete"], row["stale"], row["filled"] or 0


def _figures(rollup) -> tuple:
    return rollup.persons, rollup.to_complete, rollup.stale, rollup.filled


def _age(person, days: int) -> None:
    """As if the person was last saved `days` ago: the row and its history row
    (which the kept counts read as the person was when counted)."""
    then = timezone.now() - datetime.timedelta(days=days)
    Person.objects.filter(pk=person.pk).update(updated_at=then)
    Person.history.filter(id=person.pk).update(history_date=then)


def _aggregates(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "FILTER (WHERE" in q["sql"]]


def test_a_change_counts_only_the_changed_person_again(settings, city_user, make_person):
    settings.COMPLETENESS_REQUIRED = ["email"]
    persons = [make_person(f"人员{n}", mobile=f"137000003{n:02d}") for n in range(4)]
    _age(persons[0], 400)
    first = freshness.total(city_user)
    assert _figures(first) == _fresh(city_user) and first.stale == 1 and first.to_complete == 4
    with CaptureQueriesContext(connection) as queries:
        assert _figures(freshness.total(city_user)) == _figures(first)
    assert not _aggregates(queries)  # kept: no count at all

    person = persons[1]
    person.refresh_from_db()
    services.person_update(
        actor=city_user, person=person, data={"email": "a@example.cn"},
        expected_version=person.version,
    )  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        after = freshness.total(city_user)
    assert _figures(after) == _fresh(city_user) and after.to_complete == 3
    counted = _aggregates(queries)
    # That person only: now by its id, as it was by its own history rows (the
    # ids of those equal the person's only by chance, as on a fresh SQLite).
    history_ids = Person.history.filter(id=person.pk).values_list("history_id", flat=True)
    narrowed = {f"IN ({person.pk})", *(f"IN ({h})" for h in history_ids)}
    assert counted and all(any(n in sql for n in narrowed) for sql in counted)


def test_a_review_makes_a_stale_record_current(city_user, make_person):
    old = make_person("久未更新", mobile="13700000399")
    _age(old, 400)
    assert freshness.total(city_user).stale == 1
    cycle = ReviewCycle.objects.create(year=timezone.localdate().year)
    PersonReview.objects.create(cycle=cycle, person=old, reviewed_by=city_user)
    assert freshness.total(city_user).stale == 0 == _fresh(city_user)[2]


def test_editing_a_stale_record_makes_it_current(city_user, make_person):
    old = make_person("久未更新", mobile="13700000398")
    _age(old, 400)
    assert freshness.total(city_user).stale == 1
    old.refresh_from_db()
    services.person_update(
        actor=city_user, person=old, data={"job_title": "经理"}, expected_version=old.version
    )
    # counted as it was from its history row's date: stale then, current now
    assert freshness.total(city_user).stale == 0 == _fresh(city_user)[2]


def test_the_rollup_is_remembered_until_the_data_or_the_rules_change(
    settings, city_user, make_person, monkeypatch
):
    """Building and compiling the counting query cost 8–10 ms of each home page
    at 1M persons even when its counts were kept: the rollup is remembered."""
    built = []
    expression = freshness.completeness_expression
    monkeypatch.setattr(
        freshness, "completeness_expression", lambda: built.append(1) or expression()
    )
    settings.COMPLETENESS_REQUIRED = ["email"]
    person = make_person("人员甲", mobile="13700000399")
    assert freshness.total(city_user).to_complete == 1
    with CaptureQueriesContext(connection) as queries:
        assert freshness.total(city_user).to_complete == 1
    assert len(built) == 1  # the query was not built again
    # only the newest history ids (the data's version) are read
    assert all("MAX(" in q["sql"] for q in queries.captured_queries)

    settings.COMPLETENESS_REQUIRED = ["mobile"]  # another rule: counted again
    assert freshness.total(city_user).to_complete == 0
    settings.COMPLETENESS_REQUIRED = ["email"]
    person.refresh_from_db()
    services.person_update(
        actor=city_user, person=person, data={"email": "b@example.cn"},
        expected_version=person.version,
    )  # fmt: skip
    assert freshness.total(city_user).to_complete == 0
