from django.apps import AppConfig


class QualificationConfig(AppConfig):
    name = "tongxin.qualification"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "资格条件"
