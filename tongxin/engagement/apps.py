from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "tongxin.engagement"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "培养使用"
