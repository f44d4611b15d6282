"""Latency of the structure analysis page at scale (issue 6).

Usage (from the checkout, with the virtualenv), on a database that already
holds the persons (e.g. one made by bench/bench_persons.py):

    TONGXIN_DATA_DIR=/tmp/analysis1m .venv/bin/python bench/bench_analysis.py
    TONGXIN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/tongxin_bench \
        .venv/bin/python bench/bench_analysis.py

With --spread-history it first moves the history rows' dates over the last
six years (only on a throwaway copy!) so the year-end trend has work to do.
It times each distribution's query alone, the year-end snapshots once cold
(computed from history) and then the whole page through Django's test client
(p50/p95 over --runs), and prints a Markdown table.
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


def _timed(fn, runs: int) -> tuple[float, float]:
    timings = []
    for run in range(runs + 2):
        started = time.perf_counter()
        fn()
        if run >= 2:
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[max(int(len(timings) * 0.95) - 1, 0)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--spread-history", action="store_true")
    parser.add_argument("--cold", action="store_true", help="also time the year-end snapshots")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from tongxin.accounts.models import User
    from tongxin.analysis import selectors
    from tongxin.analysis.models import YearEndSnapshot
    from tongxin.people.models import Person
    from tongxin.regions.models import Region

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    setup_test_environment()
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)
    if args.spread_history:
        with connection.cursor() as cursor:
            table = Person.history.model._meta.db_table
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"UPDATE {table} SET history_date = now() - (id % 6) * interval '1 year'"
                )
            else:
                cursor.execute(
                    f"UPDATE {table} SET history_date = "
                    "datetime('now', '-' || (id % 6) || ' years')"
                )
        YearEndSnapshot.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "postgresql" else "PRAGMA optimize")

    total = Person.objects.count()
    city = User.objects.get(username="city")
    county = User.objects.get(username="xingning")
    leader = User.objects.get(username="leader")
    region = Region.objects.get(code="450103")
    rows = []

    person_filter = selectors.page_filter({})
    for key in ("position", "grade"):
        p50, p95 = _timed(lambda k=key: selectors.structure(city, person_filter, only={k}), 3)
        rows.append((f"query: {key} (city)", p50, p95))
        print(rows[-1], flush=True)

    if args.cold or not YearEndSnapshot.objects.exists():
        started = time.perf_counter()
        YearEndSnapshot.objects.all().delete()
        selectors.trends(city, person_filter)
        rows.append(("year-end snapshots, cold (5 year ends from history)",
                     (time.perf_counter() - started) * 1000, float("nan")))  # fmt: skip

    def cold_facts():
        cache.clear()
        selectors.facts(city, person_filter)

    p50, p95 = _timed(cold_facts, 2)
    rows.append(("facts: the two grouped counts, uncached (city)", p50, p95))
    print(rows[-1], flush=True)
    p50, p95 = _timed(lambda: selectors.trends(city, person_filter), 3)
    rows.append(("trends, snapshots cached (+ today live)", p50, p95))

    client = Client()
    for label, user, params in [
        ("page: city staff, whole city", city, {}),
        ("page: leader, whole city", leader, {}),
        ("page: city staff, one region", city, {"region": region.pk}),
        ("page: county staff (own region)", county, {}),
    ]:
        client.force_login(user)

        def get(params=params, label=label):
            response = client.get("/analysis/", params)
            if response.status_code != 200:
                raise SystemExit(f"{label}: HTTP {response.status_code}")

        p50, p95 = _timed(get, args.runs)
        rows.append((label, p50, p95))
        print(f"{label:50s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms", flush=True)

    print()
    print(
        f"{connection.vendor}, {total:,} persons, {args.runs} runs per page, {platform.node()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}"
    )
    print()
    print("| what | p50 ms | p95 ms |")
    print("| --- | ---: | ---: |")
    for label, p50, p95 in rows:
        print(f"| {label} | {p50:.0f} | {p95:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
