"""Identifiers encrypted at rest (issue 7), step 3 of 3: the hashes' indexes.

The unique constraint on the ID's keyed hash replaces the one on the
plaintext ID; the mobile and ID-suffix hashes get plain b-trees for search.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("people", "0008_encrypt_identifiers")]

    operations = [
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["mobile_hash"], name="person_mobile_hash"),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["id_suffix_hash"], name="person_id_suffix_hash"),
        ),
        migrations.AddConstraint(
            model_name="person",
            constraint=models.UniqueConstraint(
                fields=("id_number_hash",), name="person_id_number_hash_unique"
            ),
        ),
    ]
