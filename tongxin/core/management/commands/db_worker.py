"""`tongxin db_worker`: django-tasks-db's worker, plus recovery of work whose
process died (core/leases.py) when it starts and every 20 seconds while it
runs. tongxin.core is listed before django_tasks_db in INSTALLED_APPS so
that this command is the one `db_worker` runs."""

from django_tasks_db.management.commands.db_worker import Command as WorkerCommand

from tongxin.core.leases import recover_abandoned, recovering


class Command(WorkerCommand):
    help = "运行后台任务进程（启动时及每20秒把进程已中止的导入、报表任务标记为失败）"

    def handle(self, *args, **options):
        for key in recover_abandoned():
            self.stdout.write(f"后台任务 {key} 的进程已中止，已标记为失败")
        with recovering():
            return super().handle(*args, **options)
