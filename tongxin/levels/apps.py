from django.apps import AppConfig


class LevelsConfig(AppConfig):
    name = "tongxin.levels"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "分级、名额与年度更新"

    def ready(self):
        from tongxin.people.bulk import register_bulk_action

        from .bulk import CHANGE_LEVEL, MARK_REVIEWED

        register_bulk_action(CHANGE_LEVEL)
        register_bulk_action(MARK_REVIEWED)
