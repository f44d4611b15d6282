from django.db import migrations

ACTIVITY_TYPES = ["主题教育", "学习培训", "考察调研", "社会服务/公益", "文化交流", "座谈/联谊", "其他"]


def load(apps, schema_editor):
    ActivityType = apps.get_model("engagement", "ActivityType")
    for order, name in enumerate(ACTIVITY_TYPES, start=1):
        ActivityType.objects.get_or_create(name=name, defaults={"sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("engagement", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
