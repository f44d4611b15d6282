from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("people", "0003_name_search_index")]

    operations = [
        migrations.RemoveIndex(model_name="person", name="person_group_id"),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["status", "group", "id"], name="person_status_group_id"),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["status", "level", "id"], name="person_status_level_id"),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                fields=["status", "level", "group", "id"], name="person_status_level_group_id"
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                fields=["level", "group", "region", "subcategory", "status"],
                name="person_level_group_region",
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                fields=["status", "region", "name_pinyin", "id"], name="person_status_region_name"
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                fields=["status", "region", "level", "group", "subcategory"],
                name="person_status_region_level",
            ),
        ),
    ]
