"""Latency of a person's page with a 200-item timeline (issue 5: cultivation and use).

Usage (from the checkout, with the virtualenv):

    TONGXIN_DATA_DIR=/tmp/bench_timeline .venv/bin/python bench/bench_timeline.py
    TONGXIN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/tongxin_bench_timeline \
        .venv/bin/python bench/bench_timeline.py

It migrates the database, loads --persons demo persons if there are fewer
(`tongxin demo`), gives one person --items timeline items spread over every
kind (activities, trainings, secondments, positions, nomination stages,
honours, organisations, clusters and their own change history), then requests
the person's page and the timeline panel --runs times through Django's test
client (full middleware, view and template path, no network) and prints
p50/p95 in milliseconds as a Markdown table for docs/benchmarks.md.
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

BENCH_NAME = "时间轴测"


def build_timeline(person, actor, items: int) -> None:
    """Give `person` `items` timeline entries across every kind, through the services."""
    from tongxin.engagement import services
    from tongxin.engagement.models import (
        Activity,
        ActivityType,
        Cluster,
        Honour,
        Nomination,
        Organisation,
        OrganisationMember,
        Position,
        PositionType,
        Secondment,
        Training,
    )
    from tongxin.people.models import Person
    from tongxin.people.services import person_update

    region = person.region
    one = Person.objects.filter(pk=person.pk)
    start = datetime.date(2015, 1, 1)
    # 194 records (nominations count twice: two stages) + 6 history entries = 200
    counts = {"activity": 60, "training": 30, "secondment": 19, "position": 20,
              "nomination": 15, "honour": 20, "organisation": 10, "cluster": 5}  # fmt: skip
    scale = items / 200
    day = iter(start + datetime.timedelta(days=9 * i) for i in range(10_000))
    activity_type = ActivityType.objects.first()
    for _ in range(round(counts["activity"] * scale)):
        activity = services.record_create(actor=actor, model=Activity, data={
            "type": activity_type, "title": "调研座谈会", "start_date": next(day),
            "place": "南宁", "organiser": "市委统战部", "region": region})  # fmt: skip
        services.persons_bulk_add(actor=actor, target=activity, persons=one)
    for _ in range(round(counts["training"] * scale)):
        training = services.record_create(actor=actor, model=Training, data={
            "course": "理论培训班", "organiser": "市社会主义学院", "start_date": next(day),
            "hours": 16, "region": region})  # fmt: skip
        services.persons_bulk_add(actor=actor, target=training, persons=one)
    for _ in range(round(counts["secondment"] * scale)):
        services.record_create(actor=actor, model=Secondment, data={
            "person": person, "host_unit": "区商务局", "post": "副局长",
            "start_date": next(day)})  # fmt: skip
    for _ in range(round(counts["position"] * scale)):
        services.record_create(actor=actor, model=Position, data={
            "person": person, "type": PositionType.TRADE, "organisation": "行业协会",
            "title": "理事", "start_date": next(day)})  # fmt: skip
    for _ in range(round(counts["nomination"] * scale)):
        nomination = services.nomination_create(actor=actor, data={
            "person": person, "position_type": PositionType.SPECIAL, "title": "特约监督员",
            "recommending_unit": "区工商联"}, on_date=next(day))  # fmt: skip
        services.nomination_advance(actor=actor, nomination=nomination,
                                    stage=Nomination.Stage.INSPECTED, on_date=next(day))  # fmt: skip
    for _ in range(round(counts["honour"] * scale)):
        services.record_create(actor=actor, model=Honour, data={
            "person": person, "title": "优秀建设者", "level": Honour.Level.CITY,
            "awarding_body": "市人民政府", "date": next(day)})  # fmt: skip
    for i in range(round(counts["organisation"] * scale)):
        organisation = services.record_create(actor=actor, model=Organisation, data={
            "kind": Organisation.Kind.ASSOCIATION, "name": f"新联会{i}", "region": region})  # fmt: skip
        OrganisationMember.objects.create(organisation=organisation, person=person,
                                          start_date=next(day))  # fmt: skip
    for i in range(round(counts["cluster"] * scale)):
        cluster = services.record_create(actor=actor, model=Cluster, data={
            "name": f"聚集区{i}", "region": region})  # fmt: skip
        services.persons_bulk_add(actor=actor, target=cluster, persons=one)
    for i in range(4):  # plus the registration: 5 history entries
        person = Person.objects.get(pk=person.pk)
        person = person_update(actor=actor, person=person, data={"remarks": f"备注{i}"},
                               expected_version=person.version)  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=2000)
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import setup_test_environment

    from tongxin.accounts.models import User
    from tongxin.engagement.timeline import person_timeline
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
        call_command("demo", persons=args.persons - existing, no_records=True)
    city = User.objects.get(username="city")
    county = User.objects.get(username="xingning")

    person = Person.objects.filter(name=BENCH_NAME).first()
    if person is None:
        template = Person.objects.filter(region__code="450102").order_by("id").first()
        from tongxin.people.services import person_update

        # One of 兴宁区's demo persons becomes the benchmark's person.
        person = person_update(actor=city, person=template, data={"name": BENCH_NAME},
                               expected_version=template.version)  # fmt: skip
        with transaction.atomic():
            build_timeline(person, city, args.items)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    found = len(person_timeline(city, person))

    client = Client()
    rows = []
    # The same page for a person with no engagement records: what the registry's
    # own page costs, for comparison.
    plain = Person.objects.filter(region__code="450102").exclude(pk=person.pk).first()
    cases = [
        ("person page, no timeline items (baseline)", city, f"/persons/{plain.pk}/"),
        ("person page (city user)", city, f"/persons/{person.pk}/"),
        ("person page (county user)", county, f"/persons/{person.pk}/"),
        ("timeline panel (htmx)", city, f"/engagement/persons/{person.pk}/timeline/"),
        ("timeline panel, activities only", city,
         f"/engagement/persons/{person.pk}/timeline/?kind=activity"),
    ]  # fmt: skip
    for label, user, url in cases:
        client.force_login(user)
        timings, cpu = [], []
        for run in range(args.runs + 3):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{label}: HTTP {response.status_code}")
            if run >= 3:
                timings.append(elapsed)
                cpu.append((time.process_time() - cpu_started) * 1000)
        timings.sort()
        p50 = statistics.median(timings)
        p95 = timings[int(len(timings) * 0.95) - 1]
        cpu50 = statistics.median(cpu)
        rows.append((label, p50, p95, cpu50))
        print(f"{label:45s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  cpu {cpu50:6.1f} ms", flush=True)

    print()
    print(
        f"{connection.vendor}, {Person.objects.count():,} persons, {found} timeline items, "
        f"{args.runs} runs each, {platform.node()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print()
    # CPU time of this process: the Django side (and SQLite, which runs in-process),
    # less sensitive than wall time to other work on a shared machine.
    print("| request | p50 ms | p95 ms | p50 CPU ms (this process) |")
    print("| --- | ---: | ---: | ---: |")
    for label, p50, p95, cpu50 in rows:
        print(f"| {label} | {p50:.1f} | {p95:.1f} | {cpu50:.1f} |")
    print(f"\nworst p95: {max(r[2] for r in rows):.1f} ms (target < 100 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
