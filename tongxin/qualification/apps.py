from django.apps import AppConfig


class QualificationConfig(AppConfig):
    name = "tongxin.qualification"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "资格条件"

    def ready(self):
        from tongxin.core.kept_tables import forget_on_change

        from .models import Condition

        # Every person page checks the active conditions (checks.active_conditions).
        forget_on_change("qualification.conditions", Condition)
