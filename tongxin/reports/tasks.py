from django_tasks import task

from . import services


@task()
def run_report_job(job_id: int) -> None:
    services.report_job_run(job_id=job_id)


def report_job_enqueue(job) -> None:
    """Hand the job to the task backend (db_worker, or inline in tests)."""
    run_report_job.enqueue(job.pk)
