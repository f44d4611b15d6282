from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "tongxin.evaluations"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "综合评价与动态管理"
