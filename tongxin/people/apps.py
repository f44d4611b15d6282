from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_search_index(sender, using, **kwargs):
    from django.db import connections

    from .search_index import ensure_search_index

    ensure_search_index(connections[using])


def _ensure_statistics(sender, using, **kwargs):
    from tongxin.core.db_stats import statistics_ensure

    statistics_ensure(using=using)


class PeopleConfig(AppConfig):
    name = "tongxin.people"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "代表人士"

    def ready(self):
        # SQLite drops triggers when a migration rebuilds people_person.
        post_migrate.connect(_ensure_search_index, sender=self)
        # A rebuilt table has no planner statistics either (core/db_stats.py).
        post_migrate.connect(_ensure_statistics, sender=self)

        from tongxin.core import registries
        from tongxin.core.kept_tables import forget_on_change

        from .bulk import ARCHIVE, register_bulk_action

        # The kept small tables a person points to (people/kept.py).
        from .kept import DICTIONARIES
        from .models import Person, PersonGroup, SubCategory

        forget_on_change("people.groups", PersonGroup)
        forget_on_change("people.subcategories", SubCategory, PersonGroup)
        for name, model in DICTIONARIES.values():
            forget_on_change(name, model)

        # A restore refuses a database that already holds persons (core/backup/restore.py).
        registries.restore_data_models.register((Person, "名人员"))
        register_bulk_action(ARCHIVE)
