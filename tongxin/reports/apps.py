from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "tongxin.reports"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "报表与导出"
