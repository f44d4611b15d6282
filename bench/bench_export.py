"""Export 100,000 persons to xlsx: seconds and peak memory (issue: imports and exports).

Usage (from the checkout, with the virtualenv):

    TONGXIN_DATA_DIR=/tmp/bench_export .venv/bin/python bench/bench_export.py
    createdb -h 127.0.0.1 -U postgres tongxin_bench_export
    TONGXIN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/tongxin_bench_export \
        .venv/bin/python bench/bench_export.py

It migrates the database and loads demo persons until there are --persons of
them (`tongxin demo`), then runs the export in a fresh child process, so the
peak memory reported is the export's own (Django included), not the data
load's: the child's VmHWM, which starts at its exec (see peak_mb). The export is the product's path: `services.person_export_write` as
the city user (every region, full identifiers, one audit row), every person
(status=all), streamed as SpreadsheetML by core/xlsx_stream.py. Targets on a
2-core machine: under 20 s and under 500 MB. --forms N also times N
registration forms (docx) into a zip, the batch-forms path. --profile prints
the top functions of the export by cumulative time.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")
os.environ.setdefault("TONGXIN_ALLOW_INSECURE_KEY", "1")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_mb() -> float:
    """This process's own peak resident memory since it was exec'd, in MB.

    Not getrusage's ru_maxrss: Linux carries the peak of the forked copy of
    the parent through execve (exec_mmap → setmax_mm_hiwater_rss), so a child
    started by a parent that loaded the data reports at least the parent's
    peak (a 313 MB parent: the child said 313 MB, VmHWM 14 MB). VmHWM in
    /proc/self/status is the high-water mark of the memory map exec made.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(profile: bool, forms: int) -> dict:
    """Runs in the child: one export, timed, with the process's peak RSS."""
    import django

    django.setup()
    from django.db import connection

    from tongxin.accounts.models import User
    from tongxin.people.listing import PersonFilter
    from tongxin.reports import services

    user = User.objects.get(username="city")
    person_filter = PersonFilter.from_query({"status": "all"})
    before = peak_mb()
    result = {"vendor": connection.vendor}
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "export.xlsx"
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        started = time.perf_counter()
        cpu_started = cpu_seconds()
        rows = services.person_export_write(user=user, person_filter=person_filter, target=target)
        seconds = time.perf_counter() - started
        cpu = cpu_seconds() - cpu_started
        if profiler is not None:
            import pstats

            profiler.disable()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
        result |= {
            "rows": rows,
            "seconds": round(seconds, 1),
            "cpu_seconds": round(cpu, 1),
            "rows_per_second": round(rows / seconds),
            "file_mb": round(target.stat().st_size / 1e6, 1),
            "peak_rss_mb": round(peak_mb()),
            # What the script printed before: at least the parent's peak.
            "ru_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "rss_before_mb": round(before),
        }
    if forms:
        result |= measure_forms(user, forms)
    return result


def measure_forms(user, count: int) -> dict:
    import zipfile

    from django.utils import timezone

    from tongxin.people.listing import PersonFilter
    from tongxin.reports import registration
    from tongxin.reports.exporters import export_queryset

    qs = export_queryset(user, PersonFilter.from_query({})).select_related(
        "region", "ethnicity", "political_status", "education", "degree", "group", "subcategory"
    )[:count]
    template = registration.template_bytes()
    today = timezone.localdate()
    started = time.perf_counter()
    with (
        tempfile.TemporaryFile() as handle,
        zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as z,
    ):
        for i, person in enumerate(qs, start=1):
            z.writestr(
                f"{i}.docx",
                registration.render_form(person, reveal=True, today=today, template=template),
            )
    seconds = time.perf_counter() - started
    return {
        "forms": count,
        "forms_seconds": round(seconds, 1),
        "forms_per_second": round(count / seconds, 1),
    }


def ensure_data(persons: int) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tongxin.people.models import Person

    call_command("migrate", verbosity=0)
    existing = Person.objects.count()
    if existing < persons:
        print(f"loading {persons - existing} demo persons …", file=sys.stderr, flush=True)
        call_command("demo", persons=persons - existing, no_records=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "postgresql" else "PRAGMA optimize")
    return Person.objects.count()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--forms", type=int, default=0)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(measure(args.profile, args.forms)))
        return 0

    total = ensure_data(args.persons)
    results = []
    for _ in range(args.runs):
        command = [sys.executable, __file__, "--child", "--forms", str(args.forms)]
        if args.profile:
            command.append("--profile")
        output = subprocess.run(command, check=True, capture_output=not args.profile, text=True)
        if args.profile:
            return 0
        results.append(json.loads(output.stdout.strip().splitlines()[-1]))
    best = min(results, key=lambda r: r["seconds"])
    parent_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"# export, {total} persons in the database, {platform.node()}, {os.cpu_count()} cores")
    print(f"# load average before: {os.getloadavg()[0]:.1f}")
    print(f"# parent's own peak RSS (the data check and load): {parent_peak:.0f} MB")
    print(
        "| database | rows | seconds | CPU s (export process) | rows/s "
        "| peak RSS MB (child's VmHWM) | child's ru_maxrss MB | Django before the export MB "
        "| file MB |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| {best['vendor']} | {best['rows']} | {best['seconds']} | {best['cpu_seconds']} "
        f"| {best['rows_per_second']} | {best['peak_rss_mb']} | {best['ru_maxrss_mb']} "
        f"| {best['rss_before_mb']} | {best['file_mb']} |"
    )
    if args.forms:
        print(
            f"\nregistration forms: {best['forms']} in {best['forms_seconds']} s "
            f"({best['forms_per_second']}/s)"
        )
    print(json.dumps(results), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
