"""Latency of the quota page (分级与名额) at scale (issue 4: under 300 ms at 1M persons).

Usage (from the checkout, with the virtualenv):

    TONGXIN_DATA_DIR=/tmp/quota1m .venv/bin/python bench/bench_quota.py --persons 1000000
    TONGXIN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/tongxin_bench \
        .venv/bin/python bench/bench_quota.py --persons 1000000

It migrates the database, loads demo persons until there are --persons of
them (with `tongxin demo`), then requests the quota page --runs times through
Django's test client (full middleware, view and template path, no network)
as city staff and as county staff, and prints p50/p95 in milliseconds as a
Markdown table. `--explain` also prints the query plan of the one GROUP BY.
`--index` creates the covering index proposed in docs/benchmarks/levels.md
first (for measuring it; the people app owns that table's indexes).
"""

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")
os.environ.setdefault("TONGXIN_DEMO", "1")

COVERING_INDEX = (
    "CREATE INDEX IF NOT EXISTS person_status_level_cover ON people_person "
    "(status, region_id, level, group_id, subcategory_id)"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--index", action="store_true", help="create the covering index first")
    parser.add_argument("--drop-index", action="store_true", help="drop it first (to compare)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from tongxin.accounts.models import User
    from tongxin.levels.quotas import level_counts
    from tongxin.people.models import Person

    settings.ALLOWED_HOSTS = ["*"]
    setup_test_environment()
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)
    existing = Person.objects.count()
    if existing < args.persons:
        print(f"loading {args.persons - existing} demo persons …", flush=True)
        started = time.perf_counter()
        call_command("demo", persons=args.persons - existing, no_records=True)
        print(f"loaded in {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        if args.drop_index:
            cursor.execute("DROP INDEX IF EXISTS person_status_level_cover")
        if args.index:
            started = time.perf_counter()
            cursor.execute(COVERING_INDEX)
            print(f"covering index built in {time.perf_counter() - started:.1f} s", flush=True)
        cursor.execute("ANALYZE" if connection.vendor == "postgresql" else "PRAGMA optimize")

    total = Person.objects.count()
    city = User.objects.get(username="city")
    county = User.objects.get(username="xingning")

    if args.explain:
        print(level_counts(city, as_queryset=True).explain())

    cases = [
        ("quota page, city staff (all regions)", city, {}),
        ("quota page, city staff, coverage = all levels", city, {"coverage": "all"}),
        ("quota page, county staff (own region)", county, {}),
    ]
    client = Client()
    rows = []
    for label, user, params in cases:
        client.force_login(user)
        timings, cpu = [], []
        for run in range(args.runs + 2):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get("/levels/", params)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{label}: HTTP {response.status_code}")
            if run >= 2:  # warm-up runs are not counted
                timings.append(elapsed)
                # CPU of this process: on SQLite it includes the database's own work, so
                # it shows the cost on an idle machine while others share the cores.
                cpu.append((time.process_time() - started_cpu) * 1000)
        timings.sort()
        p50 = statistics.median(timings)
        p95 = timings[max(int(len(timings) * 0.95) - 1, 0)]
        cpu50 = statistics.median(cpu)
        counted = sum(r.total for r in response.context["page"].quota_rows if not r.is_city_total)
        rows.append((label, counted, p50, p95, cpu50))
        print(
            f"{label:48s} {counted:>9,} persons  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
            f"cpu p50 {cpu50:7.1f} ms",
            flush=True,
        )

    print()
    print(
        f"{connection.vendor}, {total:,} persons, {args.runs} runs each, {platform.node()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}"
    )
    print()
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    print()
    print("| request | persons counted | p50 ms | p95 ms | process CPU p50 ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, counted, p50, p95, cpu50 in rows:
        print(f"| {label} | {counted:,} | {p50:.1f} | {p95:.1f} | {cpu50:.1f} |")
    worst = max(r[3] for r in rows)
    print(f"\nworst p95: {worst:.1f} ms (target < 300 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
