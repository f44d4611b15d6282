"""The name-token index behind search (see search.py), kept in one place.

SQLite: an FTS5 table over people_person.search_tokens (unicode61 tokenizer,
one token per character and per character pair), kept in step by triggers so
bulk inserts are indexed too. PostgreSQL: a GIN index over the token array.

On SQLite, Django applies most column changes by rebuilding the table, which
drops its triggers; `ensure_search_index` runs after every migrate and puts
them back (and rebuilds the FTS content) when they are missing.
"""

from contextlib import contextmanager

SQLITE_TRIGGERS = {
    "people_person_fts_ai": (
        "CREATE TRIGGER people_person_fts_ai AFTER INSERT ON people_person BEGIN "
        "INSERT INTO people_person_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens); END"
    ),
    "people_person_fts_ad": (
        "CREATE TRIGGER people_person_fts_ad AFTER DELETE ON people_person BEGIN "
        "INSERT INTO people_person_fts(people_person_fts, rowid, search_tokens) "
        "VALUES ('delete', old.id, old.search_tokens); END"
    ),
    "people_person_fts_au": (
        "CREATE TRIGGER people_person_fts_au AFTER UPDATE OF search_tokens ON people_person BEGIN "
        "INSERT INTO people_person_fts(people_person_fts, rowid, search_tokens) "
        "VALUES ('delete', old.id, old.search_tokens); "
        "INSERT INTO people_person_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens); END"
    ),
}
SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS people_person_fts USING fts5("
    "search_tokens, content='people_person', content_rowid='id', tokenize='unicode61')"
)
POSTGRES_INDEX = (
    "CREATE INDEX IF NOT EXISTS person_search_tokens_gin ON people_person "
    "USING gin (string_to_array(search_tokens, ' '))"
)


def ensure_search_index(connection) -> bool:
    """Create whatever part of the index is missing; True if anything was."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'person_search_tokens_gin'")
            if cursor.fetchone():
                return False
            cursor.execute(POSTGRES_INDEX)
            return True
        if connection.vendor != "sqlite":
            return False
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {row[0] for row in cursor.fetchall()}
        if "people_person" not in present:
            return False
        missing = [name for name in SQLITE_TRIGGERS if name not in present]
        if "people_person_fts" in present and not missing:
            return False
        cursor.execute(SQLITE_TABLE)
        for name in missing:
            cursor.execute(SQLITE_TRIGGERS[name])
        # Rows written while the triggers were gone are not indexed yet.
        cursor.execute("INSERT INTO people_person_fts(people_person_fts) VALUES ('rebuild')")
        return True


def drop_search_index(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS person_search_tokens_gin")
        elif connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute("DROP TABLE IF EXISTS people_person_fts")


def index_inserted_rows(connection, first_id: int, last_id: int) -> None:
    """Index persons first_id…last_id, inserted while `insert_trigger_suspended`.

    One INSERT … SELECT into FTS5 costs a fiftieth of what the per-row trigger
    does for the same rows (docs/benchmarks/imports.md). PostgreSQL's GIN index
    needs nothing here.
    """
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO people_person_fts(rowid, search_tokens) "
            "SELECT id, search_tokens FROM people_person WHERE id BETWEEN %s AND %s",
            [first_id, last_id],
        )


@contextmanager
def insert_trigger_suspended(connection):
    """Inside the caller's transaction, insert persons without the FTS trigger.

    The caller must index the rows itself with `index_inserted_rows` before
    leaving the block. SQLite's DDL is transactional: if the block fails, the
    rollback of the caller's transaction or savepoint brings the trigger back,
    and other connections never see it missing.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS people_person_fts_ai")
    yield
    with connection.cursor() as cursor:
        cursor.execute(SQLITE_TRIGGERS["people_person_fts_ai"])
