"""Who may use reports, and whose generated files they may fetch."""

from django.db.models import QuerySet
from django.http import Http404

from tongxin.regions.scope import reads_records

from .models import ReportJob


def may_use_reports(user) -> bool:
    """Everyone who sees persons; evaluators see only their sheets."""
    return reads_records(user)


def require_reports_user(user) -> None:
    if not may_use_reports(user):
        raise Http404


def report_jobs_visible_to(user) -> QuerySet[ReportJob]:
    """A generated file belongs to the user who asked for it, and to nobody else."""
    if not may_use_reports(user):
        return ReportJob.objects.none()
    return ReportJob.objects.filter(user=user)


def report_job_for_user(user, pk: int) -> ReportJob:
    try:
        return report_jobs_visible_to(user).get(pk=pk)
    except (ReportJob.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
