from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("people", "0003_name_search_index")]

    operations = [
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
    ]
