"""Latency of the requests list (意见诉求) at 100,000 requests (issue 5).

Usage (from the checkout, with the virtualenv), into a scratch database:

    TONGXIN_DATA_DIR=/tmp/bench_requests .venv/bin/python bench/bench_requests.py
    TONGXIN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/tongxin_service_bench \
        .venv/bin/python bench/bench_requests.py

It migrates the database, loads --persons demo persons (`tongxin demo`) and
bulk-inserts requests until there are --requests of them: a quarter each
received, assigned, in progress and closed, due dates spread over ±90 days
around today, so about a fifth are overdue. Then it requests each list page
--runs times through Django's test client (middleware, view, template; no
network) and prints p50/p95 in milliseconds as a Markdown table, and the
query plan of the overdue filter. The target: the list filtered by overdue
under 100 ms.
"""

import argparse
import datetime
import gc
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")
os.environ.setdefault("TONGXIN_DEMO", "1")


def load_requests(target: int, seed: int) -> int:
    """Bulk-insert requests until there are `target`; returns how many were added."""
    from django.db import transaction

    from tongxin.people.models import Person
    from tongxin.service.models import Department, RequestCategory, ServiceRequest, local_today

    existing = ServiceRequest.objects.count()
    if existing >= target:
        return 0
    rng = random.Random(seed)
    departments = list(Department.objects.all())
    if len(departments) < 20:
        Department.objects.bulk_create(
            [Department(name=f"测试成员单位{i:02d}") for i in range(len(departments), 20)]
        )
        departments = list(Department.objects.all())
    categories = list(RequestCategory.objects.all())
    persons = list(Person.objects.values_list("id", "region_id"))
    today = local_today()
    statuses = list(ServiceRequest.Status.values)
    rows = []
    for _ in range(target - existing):
        person_id, region_id = rng.choice(persons)
        status = rng.choice(statuses)
        received = today - datetime.timedelta(days=rng.randint(0, 720))
        r = ServiceRequest(
            person_id=person_id,
            region_id=region_id,
            category=rng.choice(categories),
            content="基准测试诉求内容：企业经营中遇到的实际困难。",
            channel=ServiceRequest.Channel.IN_PERSON,
            received_on=received,
            status=status,
        )
        if status != ServiceRequest.Status.RECEIVED:
            r.department = rng.choice(departments)
            r.assigned_on = received
            r.due_date = today + datetime.timedelta(days=rng.randint(-90, 90))
        if status == ServiceRequest.Status.CLOSED:
            r.answer = "已答复。"
            r.closed_on = today
        rows.append(r)
    gc.freeze()
    gc.disable()
    try:
        with transaction.atomic():
            ServiceRequest.objects.bulk_create(rows, batch_size=5000)
    finally:
        gc.enable()
        gc.unfreeze()
    return len(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from tongxin.accounts.models import User
    from tongxin.people.models import Person
    from tongxin.regions.models import Region
    from tongxin.service.access import service_requests_visible_to
    from tongxin.service.filters import ServiceRequestFilter
    from tongxin.service.models import ServiceRequest

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
        call_command("demo", persons=args.persons - existing, no_records=True)
    started = time.perf_counter()
    added = load_requests(args.requests, args.seed)
    if added:
        print(f"loaded {added:,} requests in {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # What autovacuum does soon after a bulk load: the visibility map lets
            # the counts use index-only scans.
            cursor.execute("VACUUM ANALYZE service_servicerequest")
            cursor.execute("ANALYZE")
        else:
            cursor.execute("PRAGMA optimize")

    total = ServiceRequest.objects.count()
    city = User.objects.get(username="city")
    county = User.objects.get(username="xingning")
    region = Region.objects.get(code="450103")
    overdue = service_requests_visible_to(city).overdue()
    sample = Person.objects.get(pk=overdue.order_by("id").values_list("person_id", flat=True)[0])
    deep = overdue.order_by("-id").values_list("id", flat=True)
    deep_after = deep[min(5000, deep.count() - 1)]

    cases = [
        ("list, first page", city, {}),
        ("list, overdue", city, {"overdue": "1"}),
        ("list, overdue, deep page (row ≈5,000)", city, {"overdue": "1", "after": deep_after}),
        ("list, overdue + region", city, {"overdue": "1", "region": region.pk}),
        ("list, overdue, county user", county, {"overdue": "1"}),
        ("list, not closed", city, {"status": "open"}),
        ("list, overdue + person name", city, {"overdue": "1", "q": sample.name}),
    ]

    client = Client()
    rows = []
    for label, user, params in cases:
        client.force_login(user)
        timings, cpu = [], []
        for run in range(args.runs + 3):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get("/service/requests/", params)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{label}: HTTP {response.status_code}")
            if run >= 3:  # warm-up runs are not counted
                timings.append(elapsed)
                cpu.append((time.process_time() - started_cpu) * 1000)
        timings.sort()
        p50 = statistics.median(timings)
        p95 = timings[int(len(timings) * 0.95) - 1]
        # This process's CPU time: with SQLite it includes the query; it shows the
        # cost without the waiting a busy machine adds to wall time.
        cpu50 = statistics.median(cpu)
        found = response.context["total"]
        rows.append((label, found, p50, p95, cpu50))
        print(
            f"{label:42s} {found:>8,} rows  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
            f"cpu p50 {cpu50:6.1f} ms",
            flush=True,
        )

    qs = ServiceRequestFilter({"overdue": "1"}, queryset=service_requests_visible_to(city)).qs
    print("\nplan of the overdue page's id query:")
    print(qs.order_by("-id").values("id")[:51].explain())
    print("plan of the overdue count:")
    print(qs.values("id").order_by().explain())

    print()
    print(
        f"{connection.vendor}, {total:,} requests over {Person.objects.count():,} persons, "
        f"{args.runs} runs each, {platform.node()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}"
    )
    print()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average at the end: {load:.1f}")
    print()
    print("| request | matching rows | p50 ms | p95 ms | process CPU p50 ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, found, p50, p95, cpu50 in rows:
        print(f"| {label} | {found:,} | {p50:.1f} | {p95:.1f} | {cpu50:.1f} |")
    worst = max(r[3] for r in rows)
    print(f"\nworst p95: {worst:.1f} ms (target < 100 ms for the overdue list)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
