from django.apps import AppConfig


class MfaConfig(AppConfig):
    name = "tongxin.mfa"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "两步验证"

    def ready(self):
        from . import signals  # noqa: F401  (remembers at login whether a code is owed)
