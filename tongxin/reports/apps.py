from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "tongxin.reports"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "报表与导出"

    def ready(self):
        from tongxin.core import leases

        from .models import ReportJob
        from .services import report_job_recover

        leases.register(ReportJob, report_job_recover)
