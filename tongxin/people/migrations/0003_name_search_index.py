"""The name-token index behind search (see tongxin/people/search_index.py)."""

from django.db import migrations


def forward(apps, schema_editor):
    from tongxin.people.search_index import ensure_search_index

    ensure_search_index(schema_editor.connection)


def backward(apps, schema_editor):
    from tongxin.people.search_index import drop_search_index

    drop_search_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("people", "0002_reference_data")]

    operations = [migrations.RunPython(forward, backward)]
