"""Keeping the query planner's statistics in step with large writes.

SQLite plans from the statistics ANALYZE stores in sqlite_stat1 and never
gathers them by itself. Without them, at a million persons, SQLite read the
list sorted by name through the status index and sorted 970,000 rows
(650 ms) instead of walking the name index (docs/benchmarks.md). ANALYZE of
people_person takes ≈5 s at a million rows, so it runs after loads that
change the table's size a lot (the demo, large imports) and when a
migration leaves the table without statistics. PostgreSQL's autovacuum
analyses on its own; after a bulk load ANALYZE is still run at once so the
next request does not wait for it.
"""

from django.db import DatabaseError, connections

PERSON_TABLES = ("people_person", "people_historicalperson")

# Imports creating at least this many persons refresh the statistics.
LARGE_WRITE = 10_000


def statistics_refresh(*, using: str = "default", tables=PERSON_TABLES) -> None:
    """ANALYZE the tables (outside any transaction it is the caller's to open)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def statistics_missing(*, using: str = "default", table: str = "people_person") -> bool:
    """True if SQLite holds no statistics for `table` (always False elsewhere)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        try:
            cursor.execute("SELECT 1 FROM sqlite_stat1 WHERE tbl = %s LIMIT 1", [table])
        except DatabaseError:  # no ANALYZE has ever run: the table does not exist yet
            return True
        return cursor.fetchone() is None


def statistics_ensure(*, using: str = "default", min_rows: int | None = None) -> bool:
    """ANALYZE when SQLite has no statistics and the person table has at least
    `min_rows` (default LARGE_WRITE) persons; True if it ran."""
    min_rows = LARGE_WRITE if min_rows is None else min_rows
    if not statistics_missing(using=using):
        return False
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM (SELECT 1 FROM people_person LIMIT %s)", [min_rows])
        if cursor.fetchone()[0] < min_rows:
            return False
    statistics_refresh(using=using)
    return True
