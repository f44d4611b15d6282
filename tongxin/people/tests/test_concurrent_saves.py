"""Two saves of the same person at the same moment, each on its own connection.

test_services checks a stale save made after the other one committed; here
both start from version 1 at once, so only the row lock taken by the service
(select_for_update) keeps the second from passing the version check too.
"""

import datetime
import threading
import time

import pytest
from django.db import connection

from tongxin.audit.models import AuditEntry
from tongxin.core import writes
from tongxin.people.models import Person
from tongxin.people.services import StaleEditError, person_archive, person_update

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: on SQLite select_for_update is a no-op (IMMEDIATE "
        "transactions queue writers instead) and threads cannot share its in-memory test database",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

JOIN_TIMEOUT = 15  # seconds; a deadlock fails the test instead of hanging it


@pytest.fixture
def widened_window(monkeypatch):
    """Hold each save for a moment between its version check and its write.

    Without this the first save may commit before the second even reads the
    row, and the race would pass without any lock. With it, a service that
    read the row without locking it lets both saves see version 1, and the
    tests below fail.
    """
    real = writes.save_audited

    def slow(*args, **kwargs):
        time.sleep(0.3)
        return real(*args, **kwargs)

    monkeypatch.setattr(writes, "save_audited", slow)


def race(**saves):
    """Run each save in its own thread and connection, released together.

    Returns {name: the save's result, or the exception it raised}.
    """
    barrier = threading.Barrier(len(saves))
    outcomes = {}

    def run(name, save):
        try:
            with connection.cursor() as cursor:
                # a lock that never comes raises instead of blocking the test run
                cursor.execute("SET lock_timeout = '10s'")
            barrier.wait(timeout=JOIN_TIMEOUT)
            outcomes[name] = save()
        except Exception as error:  # the test inspects what each save raised
            outcomes[name] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(name, save), daemon=True) for name, save in saves.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a save is still waiting: deadlock?"
    return outcomes


def split(outcomes):
    """(name of the save that won, name of the one refused as stale)."""
    won = [n for n, o in outcomes.items() if isinstance(o, Person)]
    stale = [n for n, o in outcomes.items() if isinstance(o, StaleEditError)]
    assert len(won) == 1 and len(stale) == 1, outcomes
    return won[0], stale[0]


def test_it_lets_exactly_one_of_two_simultaneous_edits_through(
    make_person, city_user, xingning_user, widened_window
):
    person = make_person("张三", employer="旧单位", job_title="旧职务")

    outcomes = race(
        employer=lambda: person_update(
            actor=city_user, person=person, data={"employer": "新单位"}, expected_version=1
        ),
        job_title=lambda: person_update(
            actor=xingning_user, person=person, data={"job_title": "新职务"}, expected_version=1
        ),
    )

    won, refused = split(outcomes)
    person.refresh_from_db()
    assert person.version == 2
    if won == "employer":
        assert (person.employer, person.job_title) == ("新单位", "旧职务")
    else:
        assert (person.employer, person.job_title) == ("旧单位", "新职务")
    # the refused user is told what the other one changed
    error = outcomes[refused]
    assert error.current_version == 2
    assert [c.field for c in error.changes] == [won]
    assert person.history.filter(history_type="~").count() == 1
    assert person.history.count() == 2
    assert AuditEntry.objects.filter(action="update", object_id=str(person.pk)).count() == 1


def test_it_lets_exactly_one_of_an_archive_and_an_edit_through(
    make_person, city_user, xingning_user, widened_window
):
    person = make_person("张三", employer="旧单位")

    outcomes = race(
        archive=lambda: person_archive(
            actor=city_user,
            person=person,
            reason=Person.ArchiveReason.MOVED_AWAY,
            on_date=datetime.date(2026, 1, 1),
            expected_version=1,
        ),
        edit=lambda: person_update(
            actor=xingning_user, person=person, data={"employer": "新单位"}, expected_version=1
        ),
    )

    won, refused = split(outcomes)
    person.refresh_from_db()
    assert person.version == 2
    if won == "archive":
        assert (person.status, person.employer) == (Person.Status.ARCHIVED, "旧单位")
        assert [c.field for c in outcomes[refused].changes] == ["status", "archived_reason"]
    else:
        assert (person.status, person.employer) == (Person.Status.ACTIVE, "新单位")
        assert person.archived_reason == ""
        assert [c.field for c in outcomes[refused].changes] == ["employer"]
    assert person.history.filter(history_type="~").count() == 1
    actions = AuditEntry.objects.filter(
        object_id=str(person.pk), action__in=["update", "archive"]
    ).values_list("action", flat=True)
    assert list(actions) == [won.replace("edit", "update")]
