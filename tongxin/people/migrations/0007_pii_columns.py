"""Identifiers encrypted at rest (issue 7), step 1 of 3: the columns.

The ID and mobile columns become TEXT (they will hold ciphertext), keyed-hash
columns are added beside them, and the plaintext reversed ID goes. 0008
encrypts what is already stored; 0009 adds the unique constraint and indexes
on the hashes once they are filled in.
"""

from django.db import migrations, models

import tongxin.core.pii


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0006_structure_cube_index"),
        ("regions", "0001_initial"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="person", name="person_mobile"),
        migrations.RemoveIndex(model_name="person", name="person_id_reversed"),
        migrations.RemoveField(model_name="person", name="id_number_reversed"),
        migrations.AddField(
            model_name="person",
            name="id_number_hash",
            field=models.CharField(default="", editable=False, max_length=32),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="person",
            name="id_suffix_hash",
            field=models.CharField(default="", editable=False, max_length=16),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="person",
            name="mobile_hash",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AlterField(
            model_name="historicalperson",
            name="id_number",
            field=tongxin.core.pii.EncryptedCharField(max_length=18, verbose_name="公民身份号码"),
        ),
        migrations.AlterField(
            model_name="historicalperson",
            name="mobile",
            field=tongxin.core.pii.EncryptedCharField(
                blank=True, max_length=11, verbose_name="联系电话"
            ),
        ),
        migrations.AlterField(
            model_name="person",
            name="id_number",
            field=tongxin.core.pii.EncryptedCharField(max_length=18, verbose_name="公民身份号码"),
        ),
        migrations.AlterField(
            model_name="person",
            name="mobile",
            field=tongxin.core.pii.EncryptedCharField(
                blank=True, max_length=11, verbose_name="联系电话"
            ),
        ),
    ]
