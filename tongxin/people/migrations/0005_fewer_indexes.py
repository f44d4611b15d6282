"""Fewer indexes on persons and their history (docs/benchmarks/imports.md).

The single-column indexes dropped here were either unused (every copied
column of the history table; PostgreSQL's LIKE twins of CharField indexes) or
the leading column of a composite index that serves the same lookups. Only
the indexes are dropped: on SQLite, AlterField would rebuild both tables
(minutes at a million rows), so the field changes are recorded in the
migration state and the database operation drops the indexes by what
introspection finds on those columns.
"""

import django.db.models.deletion
from django.db import migrations, models

# table → columns whose single-column, non-unique indexes go
DROPPED = {
    "people_historicalperson": [
        "id_number",
        "mobile",
        "level",
        "name_pinyin",
        "name_initials",
        "ethnicity_id",
        "political_status_id",
        "education_id",
        "degree_id",
        "group_id",
        "subcategory_id",
    ],
    "people_person": ["mobile", "level", "name_pinyin", "name_initials", "id_number_reversed"],
}


def drop_indexes(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for table, columns in DROPPED.items():
            constraints = connection.introspection.get_constraints(cursor, table)
            for name, info in constraints.items():
                if (
                    info["index"]
                    and not info["unique"]
                    and not info["primary_key"]
                    and len(info["columns"]) == 1
                    and info["columns"][0] in columns
                ):
                    schema_editor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0004_person_list_indexes"),
        ("regions", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="historicalperson",
                    name="degree",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="people.degree",
                        verbose_name="学位",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalperson",
                    name="education",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="people.education",
                        verbose_name="学历",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalperson",
                    name="ethnicity",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="people.ethnicity",
                        verbose_name="民族",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalperson",
                    name="group",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="people.persongroup",
                        verbose_name="人员类别",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalperson",
                    name="id_number",
                    field=models.CharField(max_length=18, verbose_name="公民身份号码"),
                ),
                migrations.AlterField(
                    model_name="historicalperson",
                    name="level",
                    field=models.CharField(
                        choices=[
                            ("city", "市级重点联系"),
                            ("county", "县区联系"),
                            ("reserve", "储备"),
                        ],
                        default="reserve",
                        max_length=10,
                        verbose_name="分级",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalperson",
                    name="mobile",
                    field=models.CharField(blank=True, max_length=11, verbose_name="联系电话"),
                ),
                migrations.AlterField(
                    model_name="historicalperson",
                    name="name_initials",
                    field=models.CharField(blank=True, max_length=50, verbose_name="姓名首字母"),
                ),
                migrations.AlterField(
                    model_name="historicalperson",
                    name="name_pinyin",
                    field=models.CharField(blank=True, max_length=200, verbose_name="姓名全拼"),
                ),
                migrations.AlterField(
                    model_name="historicalperson",
                    name="political_status",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="people.politicalstatus",
                        verbose_name="政治面貌",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalperson",
                    name="subcategory",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="people.subcategory",
                        verbose_name="细分类别",
                    ),
                ),
                migrations.AlterField(
                    model_name="person",
                    name="id_number_reversed",
                    field=models.CharField(editable=False, max_length=18),
                ),
                migrations.AlterField(
                    model_name="person",
                    name="level",
                    field=models.CharField(
                        choices=[
                            ("city", "市级重点联系"),
                            ("county", "县区联系"),
                            ("reserve", "储备"),
                        ],
                        default="reserve",
                        max_length=10,
                        verbose_name="分级",
                    ),
                ),
                migrations.AlterField(
                    model_name="person",
                    name="mobile",
                    field=models.CharField(blank=True, max_length=11, verbose_name="联系电话"),
                ),
                migrations.AlterField(
                    model_name="person",
                    name="name_initials",
                    field=models.CharField(blank=True, max_length=50, verbose_name="姓名首字母"),
                ),
                migrations.AlterField(
                    model_name="person",
                    name="name_pinyin",
                    field=models.CharField(blank=True, max_length=200, verbose_name="姓名全拼"),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, migrations.RunPython.noop)],
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["mobile"], name="person_mobile"),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["name_initials"], name="person_initials"),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["id_number_reversed"], name="person_id_reversed"),
        ),
    ]
