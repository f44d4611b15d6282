from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "tongxin.regions"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "区域"
