from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "tongxin.audit"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "审计日志"

    def ready(self):
        from . import checks, signals  # noqa: F401  (retention check, login/logout audit hooks)
