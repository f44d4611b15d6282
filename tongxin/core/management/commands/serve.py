"""`tongxin serve`: the production server.

Two child processes: gunicorn serving the WSGI application (whitenoise serves
the collected static files from inside it) and the django-tasks-db worker
that runs background tasks. SIGINT and SIGTERM are passed on to both; when
either stops, the other is stopped too and serve exits, so a supervisor
(systemd, a container runtime) sees one unit that is either wholly up or down.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from tongxin.core import registries
from tongxin.core.leases import recover_abandoned
from tongxin.core.tasks import keep_warm_start

STOP_TIMEOUT = 30  # seconds a child gets to finish its work after SIGTERM


def pending_migrations(database: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Names ("app.0001_name") of migrations not yet applied to `database`."""
    connection = connections[database]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def check_ready_to_serve(database: str = DEFAULT_DB_ALIAS) -> None:
    """Raise CommandError, in Chinese, if serving now would fail at the first request,
    or if an app's check (registries.serve_checks) objects, e.g. production (not demo,
    not development) still has demo accounts or passwords."""
    pending = pending_migrations(database)
    if pending:
        shown = "、".join(pending[:5]) + ("等" if len(pending) > 5 else "")
        raise CommandError(
            f"数据库还有 {len(pending)} 项迁移尚未执行（{shown}），"
            "请先运行 `tongxin migrate`，再启动服务。"
        )
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not settings.DEBUG and not manifest.exists():
        raise CommandError(
            f"未找到静态文件（{settings.STATIC_ROOT}），"
            "请先运行 `tongxin collectstatic --noinput`，再启动服务。"
        )
    for check in registries.serve_checks:
        problem = check()
        if problem:
            raise CommandError(problem)


class Command(BaseCommand):
    help = "启动同心：gunicorn 网页服务与后台任务进程。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--host",
            default=os.environ.get("TONGXIN_HOST", "127.0.0.1"),
            help="监听地址（默认 $TONGXIN_HOST 或 127.0.0.1；局域网访问用 0.0.0.0）",
        )
        parser.add_argument(
            "--port",
            type=int,
            default=int(os.environ.get("PORT", "8000")),
            help="端口（默认 $PORT 或 8000）",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help=f"网页服务进程数（默认 CPU 核数的 2 倍，本机 {default_workers()}）",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=1,
            help="每个进程的线程数（默认 1：进程多于核数、每进程一个线程最快，见 docs/decisions.md）",
        )
        parser.add_argument(
            "--portal",
            action="store_true",
            help="只提供代表人士本人页面（/p/），供经外网代理单独发布；"
            "工作人员页面一律404，不启动后台任务进程（由内网的主服务运行）",
        )
        parser.add_argument(
            "--no-task-worker",
            action="store_true",
            help="不启动后台任务进程（另行运行 `tongxin db_worker` 时使用）",
        )

    def handle(self, *args, host: str, port: int, workers: int, threads: int, **options):
        check_ready_to_serve()
        web = gunicorn_command
        if options["portal"]:
            self._serve_portal(web, host, port, workers, threads)
            return
        # Work whose process died while the server was down (an import left
        # "正在导入", a report job "生成中") is marked failed before anyone sees it.
        for key in recover_abandoned():
            self.stdout.write(f"后台任务 {key} 的进程已中止，已标记为失败")
        # E.g. audit entries past their retention (audit/apps.py), uploaded
        # rosters past theirs (imports/apps.py).
        for purge in registries.serve_purges:
            line = purge()
            if line:
                self.stdout.write(line)
        # The task worker counts the home and analysis figures again before
        # they expire, so the first view after a quiet spell is not a recount.
        keep_warm_start()
        # The children open their own connections; don't hold one here.
        connections.close_all()

        commands = [("网页服务", web(host, port, workers, threads))]
        if not options["no_task_worker"]:
            commands.append(("后台任务", self._worker_command()))

        self.stdout.write(self.style.SUCCESS(f"同心已启动：http://{host}:{port}/"))
        self.stdout.flush()
        code = run_together(commands, stderr=self.stderr)
        if code:
            raise CommandError(f"服务已停止（退出码 {code}）", returncode=code)

    def _serve_portal(self, web, host: str, port: int, workers: int, threads: int) -> None:
        """The persons' own pages alone: the web process gets TONGXIN_PORTAL_ONLY,
        so its ROOT_URLCONF holds nothing else (settings.py). Start-up work
        (recovery, purges, warm figures, the task worker) stays with the main
        server on the intranet."""
        connections.close_all()
        commands = [("本人页面服务", web(host, port, workers, threads))]
        self.stdout.write(
            self.style.SUCCESS(f"同心本人页面已启动（仅 /p/ 路径）：http://{host}:{port}/p/")
        )
        self.stdout.flush()
        code = run_together(commands, stderr=self.stderr, env={"TONGXIN_PORTAL_ONLY": "1"})
        if code:
            raise CommandError(f"服务已停止（退出码 {code}）", returncode=code)

    @staticmethod
    def _worker_command() -> list[str]:
        return [sys.executable, "-m", "tongxin.cli", "db_worker", "--no-reload"]


def default_workers() -> int:
    """Two single-threaded processes per core: measured at 1M persons on 2
    cores (docs/decisions.md), processes without threads spent the least CPU a
    request and had the lowest p95 under 20 sessions; one per core left the
    cores idle while a request waited for the database or the cache."""
    return 2 * (os.cpu_count() or 1)


def gunicorn_command(host: str, port: int, workers: int, threads: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "tongxin.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        # Report and export downloads on a slow intranet can take a while.
        "--timeout",
        "120",
        "--graceful-timeout",
        str(STOP_TIMEOUT),
        "--access-logfile",
        "-",
        # gunicorn 27's control socket lives in $HOME by default: two
        # instances would share it, and a service account may have no home.
        "--no-control-socket",
        # Load the application (and warm it: every view imported, every
        # template compiled, core/warmup.py) once in the master before the
        # socket is bound; the workers are forked from it ready, so the first
        # request after a start waits neither for a worker's boot nor for the
        # compiling (0.6–1.1 s otherwise).
        "--preload",
    ]


def run_together(
    commands: list[tuple[str, list[str]]], *, stderr, env: dict[str, str] | None = None
) -> int:
    """Run the commands side by side until one exits; return its exit code.

    Signals are forwarded rather than delivered by the terminal: the children
    get their own process group, so Ctrl-C reaches them once, through here.
    """
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "tongxin.settings"),
        **(env or {}),
    }
    children: list[tuple[str, subprocess.Popen]] = []
    stopping = False

    def forward(signum, _frame):
        nonlocal stopping
        stopping = True
        for _name, child in children:
            if child.poll() is None:
                child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for name, command in commands:
            children.append((name, subprocess.Popen(command, env=env, process_group=0)))
        exited = None
        while exited is None:
            for name, child in children:
                if child.poll() is not None:
                    exited = (name, child.returncode)
                    break
            else:
                time.sleep(0.5)
        name, code = exited
        if not stopping:
            stderr.write(f"{name}进程已退出（退出码 {code}），正在停止其余进程……")
        for _name, child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT
        for _name, child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        # A stop we were asked for is a clean exit, whatever the children returned.
        return 0 if stopping else (code or 1)
    finally:
        for _name, child in children:
            if child.poll() is None:
                child.kill()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
