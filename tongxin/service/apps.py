from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "tongxin.service"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "服务帮助与建言献策"
