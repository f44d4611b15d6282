"""Figures counted again in the background after a change (core/versioned_cache.py)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tongxin.core import versioned_cache
from tongxin.core.versioned_cache import figures_warm

pytestmark = pytest.mark.django_db


def test_a_change_queues_one_recount_after_it_commits(make_person, monkeypatch):
    queued = []
    monkeypatch.setattr(versioned_cache, "_queue_warm_up", lambda: queued.append(1))
    with transaction.atomic():  # two persons, two history rows, one transaction
        make_person("张三")
        make_person("李四")
        callbacks = [f for _s, f, _r in connection.run_on_commit]
    assert callbacks.count(versioned_cache._queue_warm_up) == 1


def test_the_recount_fills_what_the_home_and_analysis_pages_read(
    client_for, city_user, leader_user, make_person
):
    make_person("张三")
    for user in (city_user, leader_user):  # counted before: the pages would group persons
        with CaptureQueriesContext(connection) as queries:
            client_for(user).get(reverse("home"))
        assert any("GROUP BY" in q["sql"] for q in queries.captured_queries)
    make_person("李四")  # a change: what was counted is stale
    assert figures_warm() >= 2
    for user in (city_user, leader_user):
        client = client_for(user)
        for url in (reverse("home"), reverse("analysis:index")):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            grouped = [
                q["sql"]
                for q in queries.captured_queries
                if "GROUP BY" in q["sql"] and 'FROM "people_person"' in q["sql"]
            ]
            assert grouped == [], (user.username, url, grouped)


def test_a_bulk_insert_queues_a_recount_too(regions, city_user):
    from tongxin.people.services import persons_bulk_insert
    from tongxin.people.tests.test_services import unsaved

    with transaction.atomic():
        persons_bulk_insert([unsaved("王五", regions["xingning"])], actor=city_user, reason="导入")
        callbacks = [f for _s, f, _r in connection.run_on_commit]
    assert versioned_cache._queue_warm_up in callbacks
