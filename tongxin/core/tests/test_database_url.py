"""TONGXIN_DATABASE_URL / TONGXIN_REPLICA_URL as tongxin/settings.py reads them (dj-database-url)."""

from pathlib import Path

import pytest
from django.db import connection

from tongxin.settings import _database_from_url


def test_it_keeps_the_sqlite_options_for_a_file_url(tmp_path):
    database = _database_from_url(f"sqlite:///{tmp_path}/data/tongxin.sqlite3")
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == Path(tmp_path / "data" / "tongxin.sqlite3")
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]
    assert (tmp_path / "data").is_dir()


def test_it_reads_postgres_with_an_encoded_password_and_the_test_name(monkeypatch):
    monkeypatch.setenv("TONGXIN_TEST_DATABASE_NAME", "test_tongxin_layers")
    database = _database_from_url("postgres://tx:p%40ss%2Fword@db.example:5433/records")
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["USER"], database["PASSWORD"]) == ("tx", "p@ss/word")
    assert (database["HOST"], str(database["PORT"]), database["NAME"]) == (
        "db.example",
        "5433",
        "records",
    )
    assert database["CONN_MAX_AGE"] == 60 and database["CONN_HEALTH_CHECKS"] is True
    assert database["TEST"] == {"NAME": "test_tongxin_layers"}


def test_it_names_the_database_tongxin_when_the_url_has_none(monkeypatch):
    monkeypatch.delenv("TONGXIN_TEST_DATABASE_NAME", raising=False)
    database = _database_from_url("postgresql://tx@127.0.0.1/")
    assert database["NAME"] == "tongxin"
    assert database["TEST"] == {"NAME": None}


def test_it_passes_the_query_string_on_as_connection_options():
    database = _database_from_url(
        "postgres://tx@db.example/tongxin?sslmode=verify-full&sslrootcert=/etc/tongxin/ca.pem"
    )
    assert database["OPTIONS"] == {
        "sslmode": "verify-full",
        "sslrootcert": "/etc/tongxin/ca.pem",
        "options": "-c effective_io_concurrency=32",
    }


def test_it_reads_ahead_on_postgres_unless_the_url_says_otherwise():
    """A name search's count reads a heap page per match: 560 ms from disk one
    at a time for 芳 at 1M persons, 100 ms with 32 asked ahead."""
    database = _database_from_url("postgres://tx@db.example/tongxin")
    assert database["OPTIONS"] == {"options": "-c effective_io_concurrency=32"}
    database = _database_from_url(
        "postgres://tx@db.example/tongxin?options=-c%20effective_io_concurrency%3D0"
    )
    assert database["OPTIONS"] == {"options": "-c effective_io_concurrency=0"}
    assert "options" not in _database_from_url("sqlite:////tmp/t.sqlite3")["OPTIONS"]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's setting")
def test_the_postgres_connection_reads_ahead():
    with connection.cursor() as cursor:
        cursor.execute("SHOW effective_io_concurrency")
        assert cursor.fetchone()[0] == "32"


def test_it_refuses_a_database_it_does_not_support():
    with pytest.raises(ValueError):
        _database_from_url("mysql://tx@db.example/tongxin")
