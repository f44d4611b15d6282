from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "tongxin.analysis"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "结构分析"
