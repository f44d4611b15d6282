"""The structure analysis's covering index (docs/benchmarks/analysis.md).

Its one grouped count (tongxin/analysis/selectors.py) walks this index in its
own order: at a million persons ≈0.25 s plus ≈0.3 s for the age bands, where
without it SQLite sorts 970,000 rows (≈4.4 s) and PostgreSQL spills a sort to
disk (≈3.4 s). Built in ≈4 s on SQLite and ≈8 s on PostgreSQL at 1M rows.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0005_fewer_indexes"),
        ("regions", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                fields=[
                    "status",
                    "region",
                    "level",
                    "group",
                    "sex",
                    "ethnicity",
                    "education",
                    "political_status",
                    "birth_date",
                ],
                name="person_structure_cube",
            ),
        ),
    ]
