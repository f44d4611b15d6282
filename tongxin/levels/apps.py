from django.apps import AppConfig


class LevelsConfig(AppConfig):
    name = "tongxin.levels"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "分级、名额与年度更新"
