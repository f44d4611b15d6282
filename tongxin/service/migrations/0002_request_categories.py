from django.db import migrations

CATEGORIES = ["社会保障", "职称评审", "权益保护", "行业扶持", "其他"]


def seed(apps, schema_editor):
    RequestCategory = apps.get_model("service", "RequestCategory")
    for order, name in enumerate(CATEGORIES, start=1):
        RequestCategory.objects.get_or_create(name=name, defaults={"sort_order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("service", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
