"""Latency of the counting pages at scale: home, quota, annual review, structure analysis.

Usage (from the checkout, with the virtualenv), on a database that already
holds the persons (e.g. `tongxin demo --persons 1000000`):

    TONGXIN_DATA_DIR=/tmp/perf1m .venv/bin/python bench/bench_home.py
    TONGXIN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/tongxin_demo1m \
        .venv/bin/python bench/bench_home.py --pages /,/levels/,/levels/review/,/analysis/

Each page is requested through Django's test client (full middleware, view
and template path, no network) as each user, first with an empty cache
("first": what the first view after a start with an empty cache costs),
then --runs times warm, then --runs times just after one person was changed
through the person service ("changed": the counts kept in the cache are
brought up to date from the history rows written since, core/kept_counts.py).
--reviews first gives this year's review cycle a review for nine persons in
ten (with their history rows, as the review service writes them), as a review
season at its end would have.
It prints wall time and this process's CPU time (on SQLite that includes the
database's own work, so it is the cost on an idle machine while others share
the cores), the load average, and a Markdown table. --queries also lists the
cold view's queries that took longer than 20 ms, re-run one by one with all
rows fetched (on SQLite a query's work happens while its rows are read).
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
    parser.add_argument("--pages", default="/")
    parser.add_argument("--users", default="city,xingning")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cold-runs", type=int, default=2)
    parser.add_argument("--queries", action="store_true")
    parser.add_argument("--reviews", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from tongxin.accounts.models import User
    from tongxin.people.models import Person

    settings.ALLOWED_HOSTS = ["*"]
    setup_test_environment()
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

    if args.reviews:
        _add_reviews(connection)

    admin = User.objects.get(username="admin")
    person_ids = list(Person.objects.filter(status="active").values_list("pk", flat=True)[:5000])

    def change_one(n: int) -> None:
        from tongxin.people.services import person_update

        person = Person.objects.get(pk=person_ids[(n * 7919) % len(person_ids)])
        level = "reserve" if person.level != "reserve" else "county"
        person_update(
            actor=admin, person=person, data={"level": level}, expected_version=person.version
        )

    def timed(client, page) -> tuple[float, float]:
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(page)
        if response.status_code != 200:
            raise SystemExit(f"{page}: HTTP {response.status_code}")
        return (time.perf_counter() - started) * 1000, (time.process_time() - started_cpu) * 1000

    rows = []
    for username in args.users.split(","):
        client = Client()
        client.force_login(User.objects.get(username=username))
        for page in args.pages.split(","):
            client.get(page)  # the process's first view of a page: imports, templates
            cold, captured = [], []

            def record(execute, sql, params, many, context, captured=captured):
                captured.append((sql, params))
                return execute(sql, params, many, context)

            for _ in range(args.cold_runs):
                cache.clear()
                captured.clear()
                with connection.execute_wrapper(record):
                    cold.append(timed(client, page))
            warm = [timed(client, page) for _ in range(args.runs)]
            changed = []
            for n in range(args.runs):
                change_one(len(rows) * args.runs + n)
                changed.append(timed(client, page))
            row = (
                username,
                page,
                statistics.median(w for w, _ in cold),
                statistics.median(c for _, c in cold),
                statistics.median(w for w, _ in warm),
                statistics.median(w for w, _ in changed),
                max(w for w, _ in changed),
                statistics.median(c for _, c in changed),
                len(captured),
                os.getloadavg()[0],
            )
            rows.append(row)
            print(
                f"{username:9s} {page:16s} first {row[2]:7.1f} ms (cpu {row[3]:7.1f})  "
                f"warm {row[4]:6.1f} ms  changed {row[5]:6.1f} ms (max {row[6]:6.1f}, "
                f"cpu {row[7]:6.1f})  {row[8]} queries  load {row[9]:.2f}",
                flush=True,
            )
            if args.queries:
                for sql, ms in _slow_queries(connection, captured):
                    print(f"      {ms:7.1f} ms  {sql[:160]}")

    print()
    print(
        f"{connection.vendor}, {Person.objects.count():,} persons, {platform.node()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}"
    )
    print()
    print(
        "| user | page | first ms | first CPU ms | warm ms | changed ms | changed max ms "
        "| changed CPU ms | first-view queries | load |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for user, page, *numbers, queries, load in rows:
        cells = " | ".join(f"{n:.0f}" for n in numbers)
        print(f"| {user} | `{page}` | {cells} | {queries} | {load:.1f} |")
    return 0


def _add_reviews(connection) -> None:
    """This year's review cycle with a review of every active person whose id is
    not divisible by 10, and the "+" history row the review service writes."""
    import datetime

    from django.db import transaction

    from tongxin.levels.models import PersonReview, ReviewCycle

    cycle, _ = ReviewCycle.objects.get_or_create(year=datetime.date.today().year)
    if PersonReview.objects.filter(cycle=cycle).exists():
        return
    reviews = PersonReview._meta.db_table
    history = PersonReview.history.model._meta.db_table
    now = datetime.datetime.now(datetime.UTC)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {reviews} (cycle_id, person_id, reviewed_at, note) "
            f"SELECT %s, id, %s, '' FROM people_person WHERE status = 'active' AND id %% 10 <> 0",
            [cycle.pk, now],
        )
        cursor.execute(
            f"INSERT INTO {history} (id, cycle_id, person_id, reviewed_by_id, reviewed_at, note, "
            f"history_date, history_type) "
            f"SELECT id, cycle_id, person_id, reviewed_by_id, reviewed_at, note, %s, '+' "
            f"FROM {reviews} WHERE cycle_id = %s",
            [now, cycle.pk],
        )
    print(f"added reviews in {time.perf_counter() - started:.1f} s", flush=True)


def _slow_queries(connection, captured: list, at_least_ms: float = 20.0):
    timings = []
    for sql, params in captured:
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            timings.append((sql, (time.perf_counter() - started) * 1000))
    return sorted((t for t in timings if t[1] >= at_least_ms), key=lambda t: -t[1])


if __name__ == "__main__":
    sys.exit(main())
