"""Identifiers encrypted at rest (issue 7), step 2 of 3: encrypt stored rows.

Reads the plaintext left by 0007 with raw SQL (the model field would try to
decrypt it), a few thousand rows at a time, and writes the ciphertext and the
keyed hashes. Rows already encrypted (a value with "$", which no ID or mobile
contains) are left alone, so a re-run is harmless. Not reversible: going back
would mean writing the plaintext again, which this migration exists to end.
A database without persons needs no key, so a fresh install or a test
database creates none here.
"""

from django.db import migrations

from tongxin.core import pii

BATCH = 5000


def _encrypt_table(cursor, table, key, *, ring, with_hashes):
    last = 0
    while True:
        cursor.execute(
            f"SELECT {key}, id_number, mobile FROM {table} WHERE {key} > %s ORDER BY {key} LIMIT %s",
            [last, BATCH],
        )
        rows = cursor.fetchall()
        if not rows:
            return
        last = rows[-1][0]
        updates = []
        for pk, id_number, mobile in rows:
            id_number = id_number or ""
            mobile = mobile or ""
            if "$" in id_number or "$" in mobile:
                continue
            values = [pii.encrypt(id_number, "id_number", ring=ring)]
            values.append(pii.encrypt(mobile, "mobile", ring=ring))
            if with_hashes:
                values += [
                    pii.id_number_hash(id_number, ring=ring),
                    pii.id_suffix_hash(id_number, ring=ring),
                    pii.mobile_hash(mobile, ring=ring),
                ]
            updates.append([*values, pk])
        if not updates:
            continue
        columns = ["id_number", "mobile"]
        if with_hashes:
            columns += ["id_number_hash", "id_suffix_hash", "mobile_hash"]
        assignments = ", ".join(f"{c} = %s" for c in columns)
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {key} = %s", updates)


def encrypt_identifiers(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM people_person) + "
            "(SELECT count(*) FROM people_historicalperson)"
        )
        if not cursor.fetchone()[0]:
            return
        ring = pii.keyring()
        _encrypt_table(cursor, "people_person", "id", ring=ring, with_hashes=True)
        _encrypt_table(cursor, "people_historicalperson", "history_id", ring=ring, with_hashes=False)


def refuse_with_data(apps, schema_editor):
    # Only an empty database goes back (tests that migrate to and fro).
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM people_person")
        if cursor.fetchone()[0]:
            raise RuntimeError("people 0008 is not reversible: the plaintext is not written back")


class Migration(migrations.Migration):
    dependencies = [("people", "0007_pii_columns")]

    operations = [migrations.RunPython(encrypt_identifiers, refuse_with_data, elidable=False)]
