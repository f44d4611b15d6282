"""Identifiers encrypted at rest (issue 7): leave no plaintext in free space.

0007-0008 rewrote the person tables, but the old pages (SQLite) or old row
versions (PostgreSQL) that held the plaintext IDs and mobiles stay in the
database file until overwritten; a copy of the file would still show them.
VACUUM rewrites SQLite's file without free pages, VACUUM FULL rewrites the
two PostgreSQL tables (locking them meanwhile: the upgrade runs with the
service stopped, docs/deployment.md). Skipped when there are no persons.
Measured at 100,000 persons on SQLite: see docs/benchmarks.md.
"""

from django.db import migrations


def vacuum(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM people_person")
        if not cursor.fetchone()[0]:
            return
        if connection.vendor == "sqlite":
            cursor.execute("VACUUM")
        elif connection.vendor == "postgresql":
            cursor.execute("VACUUM FULL people_person, people_historicalperson")


class Migration(migrations.Migration):
    # VACUUM cannot run inside a transaction.
    atomic = False

    dependencies = [("people", "0009_pii_indexes")]

    operations = [migrations.RunPython(vacuum, migrations.RunPython.noop, atomic=False)]
