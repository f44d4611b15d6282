from django_tasks import task

from . import services


@task()
def run_report_job(job_id: int) -> None:
    services.report_job_run(job_id=job_id)
