"""Latency of the person list and search at scale (issue: the registry).

Usage (from the checkout, with the virtualenv):

    TONGXIN_DATA_DIR=/tmp/bench1m .venv/bin/python bench/bench_persons.py --persons 1000000
    TONGXIN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/tongxin_bench \
        .venv/bin/python bench/bench_persons.py --persons 1000000

It migrates the database, loads demo persons until there are --persons of
them (with `tongxin demo`), then requests each page --runs times through
Django's test client (the full middleware, view and template path, no
network) and prints p50/p95 in milliseconds as a Markdown table. Copy the
table, with the date and machine, into docs/benchmarks.md.
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument(
        "--cold",
        action="store_true",
        help="clear the cache before every request (list counts are kept until a person changes)",
    )
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
    from tongxin.people.keyset import _encode_cursor
    from tongxin.people.models import Person, PersonGroup
    from tongxin.regions.models import Region

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
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load: statistics, and the
        # visibility map that lets counts use index-only scans.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE people_person")
    else:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA optimize")

    total = Person.objects.count()
    city = User.objects.get(username="city")
    county = User.objects.get(username="xingning")
    # The region tree's deeper levels (issue 16): a street inside 兴宁区, and
    # the province above both cities.
    street = User.objects.get(username="jiedao")
    province = User.objects.get(username="province")
    region = Region.objects.get(code="450103")
    group = PersonGroup.objects.order_by("sort_order").first()

    sample = Person.objects.order_by("id")[total // 2]
    deep_recent = Person.objects.order_by("-id").values_list("id", flat=True)[
        max(total - 10_000, 0)
    ]
    deep_name = Person.objects.order_by("name_pinyin", "id").values("name_pinyin", "id")[
        max(total - 10_000, 0)
    ]
    surname_pair = sample.name[:2]

    cases = [
        # The floor: a staff page that reads no person (session, middleware, template).
        ("floor: the help page", city, {}, "/help/"),
        ("list, first page", city, {}),
        (
            "list, deep page (≈ row total−10k, by id)",
            city,
            {"after": _encode_cursor([deep_recent, deep_recent])},
        ),
        (
            "list, deep page (≈ row total−10k, by name)",
            city,
            {"sort": "name", "after": _encode_cursor([deep_name["name_pinyin"], deep_name["id"]])},
        ),
        ("list, filter region", city, {"region": region.pk}),
        ("list, filter group + level", city, {"group": group.pk, "level": "county"}),
        ("list, county user (own region only)", county, {}),
        ("list, street user (own street only)", street, {}),
        ("list, county user, sorted by name", county, {"sort": "name"}),
        ("list, street user, sorted by age", street, {"sort": "age"}),
        ("list, province user (whole tree)", province, {}),
        ("search, name 2 chars, street user", street, {"q": surname_pair}),
        ("search, name 1 char, county user", county, {"q": sample.name[-1]}),
        ("list, filter region, sorted by name", city, {"region": region.pk, "sort": "name"}),
        ("search, name 2 chars", city, {"q": surname_pair}),
        ("search, name 1 char", city, {"q": sample.name[-1]}),
        ("search, full name", city, {"q": sample.name}),
        ("search, full pinyin", city, {"q": sample.name_pinyin}),
        ("search, initials", city, {"q": sample.name_initials}),
        ("search, ID last 6", city, {"q": sample.id_number[-6:]}),
        ("search, ID full", city, {"q": sample.id_number}),
        ("search, mobile", city, {"q": sample.mobile}),
    ]

    client = Client()
    rows = []
    for label, user, params, *other_path in cases:
        path = other_path[0] if other_path else "/persons/"
        client.force_login(user)
        timings = []
        cpu = []
        for run in range(args.runs + 3):
            if args.cold:
                cache.clear()
            started = time.perf_counter()
            cpu_started = time.process_time()
            response = client.get(path, params)
            elapsed = (time.perf_counter() - started) * 1000
            cpu_ms = (time.process_time() - cpu_started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{label}: HTTP {response.status_code}")
            if run >= 3:  # warm-up runs are not counted
                timings.append(elapsed)
                cpu.append(cpu_ms)
        timings.sort()
        p50 = statistics.median(timings)
        p95 = timings[int(len(timings) * 0.95) - 1]
        cpu50 = statistics.median(cpu)
        found = response.context.get("total", 0) if response.context else 0
        rows.append((label, found, p50, p95, cpu50))
        print(
            f"{label:45s} {found:>9,} rows  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  cpu {cpu50:6.1f} ms",
            flush=True,
        )

    print()
    print(
        f"{connection.vendor}, {total:,} persons, {args.runs} runs each, {platform.node()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}, "
        f"{'cache cleared before every request' if args.cold else 'counts cached between requests'}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print()
    # CPU time of this process: on SQLite it includes the database's work and
    # is barely moved by other load on the machine; wall time is.
    print("| request | matching rows | p50 ms | p95 ms | CPU p50 ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, found, p50, p95, cpu50 in rows:
        print(f"| {label} | {found:,} | {p50:.1f} | {p95:.1f} | {cpu50:.1f} |")
    worst = max(r[3] for r in rows)
    print(f"\nworst p95: {worst:.1f} ms (target < 100 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
