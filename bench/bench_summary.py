"""附件1 of the province node at scale, through the page and the API (issue 23).

Usage (from the checkout, with the virtualenv), on a database already loaded
(e.g. by bench/bench_persons.py --persons 5000000):

    TONGXIN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/tongxin_bench5m \
        flock /tmp/bench.lock .venv/bin/python bench/bench_summary.py --runs 10

As the demo's `province` user (placed at 广西壮族自治区, the tree's root) it
requests /reports/summary/, and as an API client limited to that node
/api/v1/reports/summary, each through Django's test client (middleware, view,
template or JSON; no network):

- cold: the shared cache emptied first, so the counts are made again from
  every active person (what the first view after a change of persons costs);
- warm: --runs requests with the counts kept (core/kept_counts.py), p50/p95.

The floor, measured in the same run: the GROUP BY the cold table cannot do
without (active persons by region, group and level), as raw SQL.

Everything the calls write (the client, audit rows) is rolled back; the
cache is left warm.
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


def _timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import setup_test_environment

    from tongxin.accounts.models import User
    from tongxin.api.models import ApiClient
    from tongxin.api.services import api_client_create
    from tongxin.people.models import Person
    from tongxin.regions.models import Region

    settings.ALLOWED_HOSTS = ["*"]
    settings.TONGXIN_API_RATE = "100000/min"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    setup_test_environment()
    province = Region.objects.get(code="450000")
    user = User.objects.get(username="province")
    active = Person.objects.filter(status=Person.Status.ACTIVE).count()
    floor_sql = (
        "SELECT region_id, group_id, level, count(*) FROM people_person "
        "WHERE status = %s GROUP BY region_id, group_id, level"
    )

    rows = []

    def measure(label: str, request) -> None:
        cache.clear()
        cold, response = _timed(request)
        if response.status_code != 200:
            raise SystemExit(f"{label}: HTTP {response.status_code} {response.content[:200]}")
        warm = []
        for _ in range(args.runs):
            elapsed, response = _timed(request)
            warm.append(elapsed)
        warm.sort()
        p95 = warm[max(int(len(warm) * 0.95) - 1, 0)]
        rows.append((label, cold, statistics.median(warm), p95))
        print(f"{label:40s} cold {cold:8.0f} ms  warm p50 {rows[-1][2]:7.1f}  p95 {p95:7.1f}",
              flush=True)  # fmt: skip

    floors = []
    for _ in range(3):
        with connection.cursor() as cursor:
            elapsed, _ = _timed(lambda: cursor.execute(floor_sql, [Person.Status.ACTIVE]))
            cursor.fetchall()
        floors.append(elapsed)
    print(f"floor (raw GROUP BY of active persons): {min(floors):.0f} ms", flush=True)

    try:
        with transaction.atomic():
            web = Client()
            web.force_login(user)
            web.get("/help/")  # the first request loads templates and code: not counted
            measure("page /reports/summary/ (province user)", lambda: web.get("/reports/summary/"))
            admin = User.objects.create_superuser(username="bench-summary-admin", password=None)
            _client, token = api_client_create(
                actor=admin,
                data={
                    "name": "基准测试附件1",
                    "region": province,
                    "access": ApiClient.Access.READ,
                    "unmasked_identifiers": False,
                    "expires_on": datetime.date.today() + datetime.timedelta(days=1),
                },
            )
            api = Client()
            api.get("/api/v1/regions", HTTP_AUTHORIZATION=f"Bearer {token}")  # warm-up
            measure(
                "API /api/v1/reports/summary (province)",
                lambda: api.get("/api/v1/reports/summary", HTTP_AUTHORIZATION=f"Bearer {token}"),
            )
            raise Rollback
    except Rollback:
        pass

    print()
    print(
        f"{connection.vendor}, {Person.objects.count():,} persons ({active:,} active), "
        f"{args.runs} warm runs each, {platform.node()}, {os.cpu_count()} cores, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {os.getloadavg()[0]:.1f}"
    )
    print()
    print("| 附件1, province node | cold ms | warm p50 ms | warm p95 ms |")
    print("| --- | ---: | ---: | ---: |")
    for label, cold, p50, p95 in rows:
        print(f"| {label} | {cold:.0f} | {p50:.1f} | {p95:.1f} |")
    print(f"| floor: raw GROUP BY of active persons | {min(floors):.0f} | | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
