from django.db import migrations

# The four defaults of the issue (SPEC: Qualification conditions). Values
# refer to dictionary rows by id, looked up here by their seeded names.
DEFAULTS = [
    ("党外人士", "political_status", "not_in", ["中共党员", "中共预备党员"], "政治面貌为中共党员或中共预备党员"),
    ("年龄", "age", "lte", 60, "年龄超过60周岁"),
    ("从业年限", "years_in_field", "gte", 3, "从业年限不足3年"),
    ("所属区域", "in_deployment", "eq", True, "所属区域不在本市辖内或已停用"),
]


def load(apps, schema_editor):
    from django.utils import timezone

    Condition = apps.get_model("qualification", "Condition")
    HistoricalCondition = apps.get_model("qualification", "HistoricalCondition")
    PoliticalStatus = apps.get_model("people", "PoliticalStatus")
    if Condition.objects.exists():
        return
    for order, (name, field, operator, value, message) in enumerate(DEFAULTS, start=1):
        if field == "political_status":
            value = sorted(PoliticalStatus.objects.filter(name__in=value).values_list("id", flat=True))
            if not value:
                continue
        condition = Condition.objects.create(
            name=name,
            field=field,
            operator=operator,
            value=value,
            failure_message=message,
            sort_order=order * 10,
        )
        # Migrations don't run simple-history's signals: write the first row here.
        HistoricalCondition.objects.create(
            id=condition.id,
            name=name,
            field=field,
            operator=operator,
            value=value,
            failure_message=message,
            is_active=True,
            sort_order=condition.sort_order,
            created_at=condition.created_at,
            history_date=timezone.now(),
            history_type="+",
            history_change_reason="默认资格条件",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("qualification", "0001_initial"),
        ("people", "0002_reference_data"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
