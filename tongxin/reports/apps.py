from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "tongxin.reports"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "报表与导出"

    def ready(self):
        from tongxin.core import leases
        from tongxin.people.bulk import register_bulk_action

        from .bulk import EXPORT, REGISTRATION_FORMS
        from .models import ReportJob
        from .services import report_job_recover

        leases.register(ReportJob, report_job_recover)
        register_bulk_action(REGISTRATION_FORMS)
        register_bulk_action(EXPORT)
