"""Planner statistics after large writes (core/db_stats.py)."""

from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection

from tongxin.core import db_stats
from tongxin.imports import committing
from tongxin.imports.tests.rosters import roster_row, write_xlsx

pytestmark = pytest.mark.django_db

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="only SQLite needs its statistics gathered"
)


def _drop_statistics():
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # makes sure sqlite_stat1 exists
        cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'people_person'")


@sqlite_only
def test_it_gathers_missing_statistics_once_the_person_table_is_large(make_person):
    make_person("张三")
    make_person("李四")
    _drop_statistics()
    assert db_stats.statistics_missing()
    assert not db_stats.statistics_ensure(min_rows=3)  # small tables plan well enough
    assert db_stats.statistics_missing()
    assert db_stats.statistics_ensure(min_rows=2)
    assert not db_stats.statistics_missing()
    assert not db_stats.statistics_ensure(min_rows=2)  # nothing to do the second time


@sqlite_only
def test_migrate_puts_back_statistics_a_rebuilt_table_lost(make_person, monkeypatch):
    make_person("张三")
    _drop_statistics()
    monkeypatch.setattr(db_stats, "LARGE_WRITE", 1)
    monkeypatch.setattr(
        db_stats.statistics_ensure, "__kwdefaults__", {"using": "default", "min_rows": 1}
    )
    call_command("migrate", verbosity=0)
    assert not db_stats.statistics_missing()


def test_a_large_import_queues_a_statistics_refresh(
    tmp_path, city_user, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(committing, "LARGE_WRITE", 3)
    monkeypatch.setattr(
        committing, "refresh_statistics", SimpleNamespace(enqueue=lambda: queued.append(1))
    )
    small = write_xlsx(tmp_path / "small.xlsx", [roster_row(n) for n in range(1, 3)])
    with django_capture_on_commit_callbacks(execute=True):
        committing.import_file(actor=city_user, path=small, commit=True)
    assert queued == []
    large = write_xlsx(tmp_path / "large.xlsx", [roster_row(n) for n in range(3, 6)])
    with django_capture_on_commit_callbacks(execute=True):
        committing.import_file(actor=city_user, path=large, commit=True)
    assert queued == [1]
