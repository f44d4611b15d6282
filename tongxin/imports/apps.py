from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "tongxin.imports"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "导入"
