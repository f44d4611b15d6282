from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "tongxin.privacy"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "个人信息保护"
