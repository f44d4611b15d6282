"""Figures counted again in the background after a change (core/versioned_cache.py)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tongxin.core import tasks, versioned_cache
from tongxin.core.versioned_cache import figures_reset, figures_warm

pytestmark = pytest.mark.django_db


def test_a_change_queues_one_recount_after_it_commits(make_person, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks, "_queue_warm_up", lambda: queued.append(1))
    with transaction.atomic():  # two persons, two history rows, one transaction
        make_person("张三")
        make_person("李四")
        callbacks = [f for _s, f, _r in connection.run_on_commit]
    assert callbacks.count(tasks._queue_warm_up) == 1


def test_the_recount_fills_what_the_home_and_analysis_pages_read(
    client_for, city_user, leader_user, make_person
):
    make_person("张三")
    for user in (city_user, leader_user):  # counted before: the pages would group persons
        figures_reset()  # forget what the worker (or the other user's page) counted
        with CaptureQueriesContext(connection) as queries:
            client_for(user).get(reverse("home"))
        assert any(
            "GROUP BY" in q["sql"] and 'FROM "people_person"' in q["sql"]
            for q in queries.captured_queries
        )
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
    assert tasks._queue_warm_up in callbacks


def test_a_refresh_counts_again_only_what_is_older_than_asked():
    import time_machine

    counted = []

    def compute():
        counted.append(1)
        return len(counted)

    with time_machine.travel(1_800_000_000, tick=False) as clock:
        assert versioned_cache.remembered("test", ("a",), compute) == 1
        assert versioned_cache.remembered("test", ("a",), compute) == 1  # kept
        clock.shift(100)
        token = versioned_cache._refresh_older_than.set(300)
        try:
            assert versioned_cache.remembered("test", ("a",), compute) == 1  # young enough
            clock.shift(250)
            assert versioned_cache.remembered("test", ("a",), compute) == 2  # 350 s old
        finally:
            versioned_cache._refresh_older_than.reset(token)
        clock.shift(100)
        assert versioned_cache.remembered("test", ("a",), compute) == 2  # fresh again, kept


class _FakeTask:
    def __init__(self):
        self.queued = []

    def using(self, *, run_after):
        self.run_after = run_after
        return self

    def enqueue(self, chain):
        self.queued.append((getattr(self, "run_after", None), chain))


def test_keep_warm_recounts_before_expiry_and_queues_its_next_run(
    client_for, city_user, make_person, monkeypatch
):
    import datetime

    import time_machine
    from django.utils import timezone

    fake = _FakeTask()
    monkeypatch.setattr(tasks, "keep_figures_warm", fake)
    make_person("张三")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        tasks.keep_warm_start()
        chain = fake.queued[-1][1]
        client_for(city_user).get(reverse("home"))  # counted now
        clock.shift(versioned_cache.REFRESH_SECONDS + 10)  # about to expire
        with CaptureQueriesContext(connection) as queries:
            assert tasks.keep_warm_run(chain) is True
    recounted = [
        q["sql"] for q in queries.captured_queries
        if "GROUP BY" in q["sql"] and 'FROM "people_person"' in q["sql"]
    ]  # fmt: skip
    assert recounted
    run_after, queued_chain = fake.queued[-1]
    assert queued_chain == chain
    expected = start + datetime.timedelta(seconds=2 * versioned_cache.REFRESH_SECONDS + 10)
    assert abs((run_after - expected).total_seconds()) < 1


def test_an_older_chain_stops_when_serve_started_a_new_one(monkeypatch):

    fake = _FakeTask()
    monkeypatch.setattr(tasks, "keep_figures_warm", fake)
    tasks.keep_warm_start()
    old_chain = fake.queued[-1][1]
    tasks.keep_warm_start()  # a restart

    assert tasks.keep_warm_run(old_chain) is False
    assert len(fake.queued) == 2  # the old chain queued nothing more


def test_serve_starts_the_chain(monkeypatch):
    from django.core.management import call_command

    from tongxin.core.management.commands import serve

    started = []
    monkeypatch.setattr(serve, "check_ready_to_serve", lambda: None)
    monkeypatch.setattr(serve, "keep_warm_start", lambda: started.append(1))
    monkeypatch.setattr(serve, "run_together", lambda commands, stderr: 0)
    monkeypatch.setattr(serve.connections, "close_all", lambda: None)
    call_command("serve")
    assert started == [1]


def test_the_chain_deletes_its_own_finished_rows_after_a_day():
    import datetime

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    old = tasks.keep_figures_warm.enqueue("x")
    young = tasks.keep_figures_warm.enqueue("x")
    other = tasks.warm_figures.enqueue()
    finished = timezone.now() - datetime.timedelta(days=2)
    DBTaskResult.objects.filter(id__in=[old.id, other.id]).update(
        status="SUCCESSFUL", finished_at=finished
    )
    DBTaskResult.objects.filter(id=young.id).update(status="SUCCESSFUL", finished_at=timezone.now())

    assert tasks.keep_warm_results_prune() == 1
    remaining = set(DBTaskResult.objects.values_list("id", flat=True))
    assert str(old.id) not in {str(i) for i in remaining}
    assert {str(young.id), str(other.id)} <= {str(i) for i in remaining}
