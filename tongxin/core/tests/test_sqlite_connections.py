"""SQLite connections are kept between requests, as PostgreSQL's are."""

from tongxin import settings as project_settings


def test_a_sqlite_connection_outlives_the_request(tmp_path):
    database = project_settings._sqlite(tmp_path / "x.sqlite3")
    # Closed after every request (CONN_MAX_AGE 0), the next one re-read the
    # schema into an empty page cache: 55 ms for the person page at 1M persons
    # through gunicorn against 27 ms with the connection kept.
    assert database["CONN_MAX_AGE"] >= 60 and database["CONN_HEALTH_CHECKS"] is True
    assert (
        project_settings._database_from_url(f"sqlite:///{tmp_path}/y.sqlite3")["CONN_MAX_AGE"]
        == project_settings._database_from_url("postgres://u@h/db")["CONN_MAX_AGE"]
    )
