"""The ID keys become the name with (address code + birth month and day) and
with (birth year + sequence), names are keyed in simplified characters and
generic employers as none (keys.py): every person's keys are marked stale,
so the next full run (`tongxin duplicates`) makes them again; the rules'
blocks follow the new names."""

from django.db import migrations, models

RENAMED_BLOCKS = {"name_id_head": "name_id_place", "name_id_tail": "name_id_year"}


def rename_blocks(apps, schema_editor, renamed=RENAMED_BLOCKS):
    DuplicateRule = apps.get_model("dedupe", "DuplicateRule")
    for rule in DuplicateRule.objects.all():
        blocking = [renamed.get(code, code) for code in rule.blocking]
        if blocking != rule.blocking:
            rule.blocking = blocking
            rule.save(update_fields=["blocking"])


def rename_blocks_back(apps, schema_editor):
    rename_blocks(apps, schema_editor, {new: old for old, new in RENAMED_BLOCKS.items()})


def mark_keys_stale(apps, schema_editor):
    # Person.version starts at 1: 0 never matches, so keys_refresh remakes them.
    apps.get_model("dedupe", "PersonKey").objects.update(person_version=0)


class Migration(migrations.Migration):
    dependencies = [("dedupe", "0005_person_key_label")]

    operations = [
        migrations.RemoveIndex(model_name="personkey", name="dedupe_key_id_head"),
        migrations.RemoveIndex(model_name="personkey", name="dedupe_key_id_tail"),
        migrations.RenameField(model_name="personkey", old_name="id_head_hash", new_name="id_place_hash"),
        migrations.RenameField(model_name="personkey", old_name="id_tail_hash", new_name="id_year_hash"),
        migrations.AddIndex(
            model_name="personkey",
            index=models.Index(fields=["id_place_hash"], name="dedupe_key_id_place"),
        ),
        migrations.AddIndex(
            model_name="personkey",
            index=models.Index(fields=["id_year_hash"], name="dedupe_key_id_year"),
        ),
        migrations.RunPython(rename_blocks, rename_blocks_back),
        migrations.RunPython(mark_keys_stale, migrations.RunPython.noop),
    ]
