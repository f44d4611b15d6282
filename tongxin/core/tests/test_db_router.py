"""The replica router (core/db_router.py): which reads go to the replica.

The replica is a test mirror of the default database (settings.DATABASES),
so both aliases see the same rows; the queries each connection ran tell
where a page read from.
"""

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tongxin.core.db_router import COOKIE, ReplicaRouter
from tongxin.people.models import Person
from tongxin.regions.models import Region

both_databases = pytest.mark.django_db(
    databases=["default", "replica"], transaction=True, serialized_rollback=True
)


@pytest.fixture
def replica_on(settings):
    settings.REPLICA_ENABLED = True
    settings.REPLICA_READ_YOUR_WRITES_SECONDS = 7


def _get(client, url):
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get(url)
    return response, [q["sql"] for q in on_replica], [q["sql"] for q in on_primary]


def _archive(client, person):
    data = {"reason": "moved_away", "on_date": "2026-12-01", "version": person.version}
    return client.post(reverse("people:archive", args=[person.pk]), data)


@both_databases
def test_structure_analysis_reads_the_replica_and_who_you_are_from_the_primary(
    replica_on, client_for, city_user, make_person
):
    make_person("王芳")
    client = client_for(city_user)
    response, replica_sql, primary_sql = _get(client, reverse("analysis:index"))
    assert response.status_code == 200
    assert "结构分析" in response.text
    assert any("people_person" in sql for sql in replica_sql)
    # The session, the user and the placement never come from the replica.
    assert not any("django_session" in sql or "accounts_user" in sql for sql in replica_sql)
    assert any("django_session" in sql for sql in primary_sql)
    assert not any("people_person" in sql for sql in primary_sql), [
        s for s in primary_sql if "people_person" in s
    ]


@both_databases
def test_other_pages_read_the_primary(replica_on, client_for, city_user, make_person):
    make_person("王芳")
    client = client_for(city_user)
    response, replica_sql, primary_sql = _get(client, reverse("people:list"))
    assert response.status_code == 200
    assert "王芳" in response.text
    assert replica_sql == []
    assert any("people_person" in sql for sql in primary_sql)


@both_databases
def test_after_a_change_the_user_reads_the_primary_for_a_while(
    replica_on, client_for, xingning_user, make_person
):
    person = make_person("王芳")
    client = client_for(xingning_user)
    response = _archive(client, person)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.status == Person.Status.ARCHIVED
    cookie = response.cookies[COOKIE]
    assert cookie["max-age"] == 7
    assert cookie["httponly"]

    response, replica_sql, primary_sql = _get(client, reverse("analysis:index"))
    assert response.status_code == 200
    assert replica_sql == []
    assert any("people_person" in sql for sql in primary_sql)

    # Once the browser drops the cookie, the replica serves the page again:
    # the persons' data version that every figure of the page is kept under
    # (its groups and dictionaries are kept rows, its counts kept figures).
    del client.cookies[COOKIE]
    response, replica_sql, _ = _get(client, reverse("analysis:index"))
    assert any("people_historicalperson" in sql for sql in replica_sql)


@both_databases
def test_without_a_replica_everything_reads_the_primary_and_no_cookie_is_set(
    client_for, xingning_user, make_person
):
    person = make_person("王芳")
    client = client_for(xingning_user)
    response = _archive(client, person)
    assert COOKIE not in response.cookies
    response, replica_sql, primary_sql = _get(client, reverse("analysis:index"))
    assert response.status_code == 200
    assert replica_sql == []
    assert any("people_person" in sql for sql in primary_sql)


@both_databases
def test_reads_inside_a_write_transaction_stay_on_the_primary(replica_on, regions):
    from tongxin.core import db_router

    router = ReplicaRouter()
    token = db_router._replica_reads.set(True)
    try:
        assert router.db_for_read(Person) == "replica"
        assert router.db_for_read(Region) == "default"  # placements: never the replica
        with transaction.atomic():
            assert router.db_for_read(Person) == "default"
    finally:
        db_router._replica_reads.reset(token)
    assert router.db_for_read(Person) == "default"
    assert router.db_for_write(Person) == "default"
    assert router.allow_migrate("replica", "people") is False
    assert router.allow_migrate("default", "people") is True
