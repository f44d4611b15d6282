from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "tongxin.audit"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "审计日志"

    def ready(self):
        from tongxin.core import registries

        from . import checks, signals  # noqa: F401  (retention check, login/logout audit hooks)
        from .retention import serve_purge
        from .services import audit_log

        registries.audit_writers.register(audit_log)
        registries.serve_purges.register(serve_purge)
