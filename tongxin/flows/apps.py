from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "tongxin.flows"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "分级流转与待办"
