from django.apps import AppConfig


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tongxin.api"
    label = "api"
    verbose_name = "数据接口"
