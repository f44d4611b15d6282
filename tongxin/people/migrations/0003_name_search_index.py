"""The name-token index behind search (see tongxin/people/search.py).

SQLite: an FTS5 table over people_person.search_tokens (unicode61 tokenizer,
one token per character and per character pair), kept in step by triggers so
bulk inserts are indexed too. PostgreSQL: a GIN index over the token array.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE people_person_fts USING fts5("
    "search_tokens, content='people_person', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER people_person_fts_ai AFTER INSERT ON people_person BEGIN "
    "INSERT INTO people_person_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens); END",
    "CREATE TRIGGER people_person_fts_ad AFTER DELETE ON people_person BEGIN "
    "INSERT INTO people_person_fts(people_person_fts, rowid, search_tokens) "
    "VALUES ('delete', old.id, old.search_tokens); END",
    "CREATE TRIGGER people_person_fts_au AFTER UPDATE OF search_tokens ON people_person BEGIN "
    "INSERT INTO people_person_fts(people_person_fts, rowid, search_tokens) "
    "VALUES ('delete', old.id, old.search_tokens); "
    "INSERT INTO people_person_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens); END",
    "INSERT INTO people_person_fts(people_person_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS people_person_fts_au",
    "DROP TRIGGER IF EXISTS people_person_fts_ad",
    "DROP TRIGGER IF EXISTS people_person_fts_ai",
    "DROP TABLE IF EXISTS people_person_fts",
]
POSTGRES_FORWARD = [
    "CREATE INDEX person_search_tokens_gin ON people_person "
    "USING gin (string_to_array(search_tokens, ' '))",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS person_search_tokens_gin"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("people", "0002_reference_data")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
