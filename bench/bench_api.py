"""Latency of the person list and search through the API (issue 23).

Usage (from the checkout, with the virtualenv):

    TONGXIN_DATA_DIR=/tmp/bench1m .venv/bin/python bench/bench_api.py --persons 1000000
    TONGXIN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/tongxin_bench \
        .venv/bin/python bench/bench_api.py --persons 1000000

Like bench/bench_persons.py it migrates the database and loads demo persons
until there are --persons of them (an existing database of that size is
only read). Then it calls /api/v1/persons with a client's token through
Django's test client (the full middleware, authentication, rate limit,
audit row and JSON path, no network) --runs times per case and prints
p50/p95 in milliseconds as a Markdown table for docs/benchmarks.md.

Everything the calls write (the clients, their audit rows) is rolled back
at the end: the database is left as it was.
"""

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")
os.environ.setdefault("TONGXIN_DEMO", "1")


class Rollback(Exception):
    pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import setup_test_environment

    from tongxin.people.models import Person

    settings.ALLOWED_HOSTS = ["*"]
    settings.TONGXIN_API_RATE = "100000/min"  # measure the calls, not the limiter's refusals
    setup_test_environment()
    call_command("migrate", verbosity=0)
    existing = Person.objects.count()
    if existing < args.persons:
        print(f"loading {args.persons - existing} demo persons …", flush=True)
        started = time.perf_counter()
        call_command("demo", persons=args.persons - existing, no_records=True)
        print(f"loaded in {time.perf_counter() - started:.0f} s", flush=True)

    rows = []
    try:
        with transaction.atomic():
            rows = _measure(args, Client())
            raise Rollback
    except Rollback:
        pass
    total = Person.objects.count()
    print()
    print(
        f"{connection.vendor}, {total:,} persons, {args.runs} runs each, {platform.node()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print()
    print("| API call | items | p50 ms | p95 ms |")
    print("| --- | ---: | ---: | ---: |")
    for label, items, p50, p95 in rows:
        print(f"| {label} | {items} | {p50:.1f} | {p95:.1f} |")
    return 0


def _measure(args, client) -> list[tuple]:
    from tongxin.accounts.models import User
    from tongxin.api.models import ApiClient
    from tongxin.api.services import api_client_create
    from tongxin.people.models import Person
    from tongxin.regions.models import Region

    admin = User.objects.create_superuser(username="bench-api-admin", password=None)
    tokens = {}
    for code in ("450000", "450100", "450102"):
        region = Region.objects.get(code=code)
        _client, tokens[code] = api_client_create(
            actor=admin,
            data={
                "name": f"基准测试{code}",
                "region": region,
                "access": ApiClient.Access.READ,
                "unmasked_identifiers": False,
                "expires_on": datetime.date.today() + datetime.timedelta(days=1),
            },
        )
    total = Person.objects.count()
    sample = Person.objects.order_by("id")[total // 2]
    deep = client.get(
        "/api/v1/persons",
        {"sort": "name", "size": 200},
        HTTP_AUTHORIZATION=f"Bearer {tokens['450100']}",
    ).json()
    province, city, county = tokens["450000"], tokens["450100"], tokens["450102"]
    region = Region.objects.get(code="450103")
    own = Region.objects.get(code="450102").pk
    cases = [
        # The floor: a call that reads no person (token, rate limit, audit row, JSON).
        ("floor: the client's own region", county, None, f"/api/v1/regions/{own}"),
        ("list, first page (province: the whole tree)", province, {}),
        ("search, name 2 chars (province)", province, {"q": sample.name[:2]}),
        ("list, first page (city)", city, {}),
        ("list, 200 per page (city)", city, {"size": 200}),
        ("list, second page by name (city)", city, {"sort": "name", "cursor": deep["next_cursor"]}),
        ("list, filter region (city)", city, {"region": region.pk}),
        ("list, county client", county, {}),
        ("list, county client, by name", county, {"sort": "name"}),
        ("list with total (county)", county, {"with_total": "true"}),
        ("search, name 2 chars (city)", city, {"q": sample.name[:2]}),
        ("search, name 1 char (county)", county, {"q": sample.name[-1]}),
        ("search, initials (city)", city, {"q": sample.name_initials}),
        ("search, ID full (city)", city, {"q": sample.id_number}),
        ("search, mobile (city)", city, {"q": sample.mobile}),
    ]
    rows = []
    for label, token, params, *other_path in cases:
        path = other_path[0] if other_path else "/api/v1/persons"
        timings = []
        for run in range(args.runs + 3):
            started = time.perf_counter()
            response = client.get(path, params or {}, HTTP_AUTHORIZATION=f"Bearer {token}")
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{label}: HTTP {response.status_code} {response.content[:200]}")
            if run >= 3:  # warm-up runs are not counted
                timings.append(elapsed)
        timings.sort()
        p50 = statistics.median(timings)
        p95 = timings[int(len(timings) * 0.95) - 1]
        items = len(response.json().get("items", [None]))
        rows.append((label, items, p50, p95))
        print(f"{label:40s} {items:>4} items  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms", flush=True)
    return rows


if __name__ == "__main__":
    sys.exit(main())
