"""Importing a 100,000-row messy roster end to end (issue 3).

Usage (from the checkout, with the virtualenv; use a throwaway database — the
bench removes the persons of earlier bench runs before it starts, unless
--into-existing, which imports into the persons already there and keeps
what it imported):

    TONGXIN_DATA_DIR=/tmp/bench-import .venv/bin/python bench/bench_import.py --rows 100000
    TONGXIN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/tongxin_bench_import \
        .venv/bin/python bench/bench_import.py --rows 100000

It writes a messy xlsx roster (a title row and a blank row above the header,
header variants, dates in seven forms and as Excel date cells, full-width
digits, lowercase x, +86 and dashes in phones, dictionary synonyms, trailing
spaces, regions by name or by code, about 1% invalid rows and 0.5% IDs
repeated inside the file), then imports it with `tongxin import --commit`'s
service (parse, validate, dedupe, commit, one transaction) in a fresh child
process, reporting wall seconds and the child's peak RSS (getrusage maxrss,
which includes calamine's Rust memory that tracemalloc cannot see).

With --compare it then imports the same file with django-import-export 4.x
(installed into the venv for the bench only: `.venv/bin/pip install
django-import-export`; it is not a project dependency). That tool cannot read
the messy header, so it gets a ModelResource whose columns carry the file's
header names and ForeignKey widgets looking up dictionary names; rows it
cannot read are skipped as errors (`raise_errors=False`, like its admin).
"""

import argparse
import datetime
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")
os.environ.setdefault("TONGXIN_ALLOW_INSECURE_KEY", "1")

HEADER = ["序 号", "姓名", "性别", "民族", "公民身份号码（18位）", "出生年月", "政治面貌",
          "文化程度", "毕业院校", "工作单位", "职务", "职称", "手机号码", "电子邮箱",
          "通讯地址", "所属群体", "所在县区", "分级", "备注"]  # fmt: skip


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def write_roster(path: Path, rows: int, seed: int = 7) -> dict:
    """A messy roster of `rows` data rows; returns what was planted in it."""
    import xlsxwriter
    from stdnum.cn.ric import calc_check_digit

    from tongxin.people.demo import GIVEN_EITHER, GIVEN_FEMALE, GIVEN_MALE, SURNAMES

    rng = random.Random(seed)
    surnames = [s for s, _ in SURNAMES]
    # (as written in the roster, the code its IDs carry): names with and
    # without suffix, codes, and a former name and code (横县 450127 → 横州市).
    regions = [("兴宁区", "450102"), ("青秀", "450103"), ("江南区", "450105"),
               ("西乡塘区", "450107"), ("良庆", "450108"), ("武鸣区", "450110"),
               ("横县", "450127"), ("450127", "450127")]  # fmt: skip
    educations = ["本科", "大学本科", "大专", "研究生", "硕士", "中专", "高中 ", "大学专科",
                  "本科学历", "大专学历"]  # fmt: skip
    statuses = ["群众", "无党派人士", "无党派", "民盟", "九三学社社员", "民建", "共青团员",
                "无党派民主人士", "九三学社成员", "普通群众"]  # fmt: skip
    ethnicities = ["汉族", "汉", "壮族", "壮", "瑶", "回族", "苗"]
    # Long names, short names, and freelancers (rosters carry no 自由职业领域 column).
    groups = ["民营企业和外商投资企业管理技术人员", "中介组织和社会组织从业人员",
              "新媒体从业人员", "民营企业", "新媒体", "中介组织", "民营外资企业", "自由职业",
              "自由职业人员"]  # fmt: skip
    levels = ["储备", "县区联系", "储备 ", "县区联系"]
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("名单")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_string(0, 0, "南宁市新的社会阶层代表人士名单（汇总）")
    for col, text in enumerate(HEADER):
        sheet.write_string(2, col, text)
    planted = {"invalid": 0, "duplicates": 0}
    ids: list[str] = []
    for n in range(rows):
        r = n + 3
        born = datetime.date(1950, 1, 1) + datetime.timedelta(days=n // 1000 + rng.randint(0, 9))
        born = datetime.date(1950, 1, 1) + datetime.timedelta(days=n // 1000)
        sex = "M" if n % 2 else "F"
        region, code = regions[n % len(regions)]
        first17 = f"{code}{born:%Y%m%d}{n % 1000:03d}"
        number = first17 + calc_check_digit(first17 + "0")
        if n % 200 == 199 and ids:  # an ID repeated inside the file
            number = ids[-37]
            planted["duplicates"] += 1
        elif n % 100 == 57:  # a mistyped ID
            number = number[:-1] + ("0" if number[-1] != "0" else "1")
            planted["invalid"] += 1
        ids.append(number)
        shown_id = number.lower() if n % 7 == 0 else number
        if n % 11 == 0:
            shown_id = _full_width(shown_id[:6]) + " " + shown_id[6:]
        given = GIVEN_MALE if sex == "M" else GIVEN_FEMALE
        name = rng.choice(surnames) + rng.choice(given) + rng.choice(GIVEN_EITHER + given)
        mobile = f"13{n % 10}{n:08d}"[-11:]
        mobile = ["{}", "+86 {}", "{}-", "{} "][n % 4].format(mobile).rstrip("-")
        values = [
            str(n + 1),
            name + (" " if n % 13 == 0 else ""),
            "男" if sex == "M" else "女",
            ethnicities[n % len(ethnicities)],
            shown_id,
            None,  # birth date below
            statuses[n % len(statuses)],
            educations[n % len(educations)],
            "广西大学",
            f"南宁某某科技有限公司{n % 500}",
            "总经理" if n % 5 == 0 else "技术总监",
            "高级工程师",
            mobile,
            f"user{n}@example.com" if n % 3 == 0 else "",
            f"南宁市{region}某路{n % 300}号",
            groups[n % len(groups)],
            code if n % 9 == 0 else region,
            levels[n % len(levels)],
            "",
        ]
        for col, value in enumerate(values):
            if value:
                sheet.write_string(r, col, value)
        forms = n % 10
        if forms == 0:
            sheet.write_datetime(
                r, 5, datetime.datetime.combine(born, datetime.time()), date_format
            )
        else:
            text = [
                "",
                f"{born:%Y-%m-%d}",
                f"{born.year}/{born.month}/{born.day}",
                f"{born:%Y.%m.%d}",
                f"{born.year}年{born.month}月{born.day}日",
                f"{born:%Y%m%d}",
                "",
                f"{born:%Y-%m-%d}",
                f"{born.year}.{born.month}",  # year and month only
                f"{born.year}年{born.month}月",
            ][forms]
            if text:
                sheet.write_string(r, 5, text)
    workbook.close()
    return planted


def _clean_database() -> None:
    """Remove persons, history and batches of earlier bench runs (throwaway database)."""
    from django.db import connection

    from tongxin.imports.models import ImportBatch, ImportedRecord
    from tongxin.people.models import Person

    ImportedRecord.objects.all()._raw_delete(ImportedRecord.objects.db)
    ImportBatch.history.all().delete()
    ImportBatch.objects.all()._raw_delete(ImportBatch.objects.db)
    Person.history.all()._raw_delete(Person.objects.db)
    # What the last run's persons brought along (tiers held, dedupe keys …).
    for relation in Person._meta.related_objects:
        model = relation.related_model
        if model not in (Person.history.model, ImportedRecord):
            model.objects.all()._raw_delete(model.objects.db)
    Person.objects.all()._raw_delete(Person.objects.db)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO people_person_fts(people_person_fts) VALUES ('rebuild')")
    else:  # without it every run inserts into tables and indexes bloated by the last one
        with connection.cursor() as cursor:
            cursor.execute(
                "VACUUM ANALYZE people_person, people_historicalperson, imports_importedrecord"
            )


def child_ours(path: Path) -> dict:
    from tongxin.accounts.models import User
    from tongxin.imports.committing import import_file
    from tongxin.people.models import Person

    actor = User.objects.get(username="city")
    started = time.perf_counter()
    result = import_file(actor=actor, path=path, commit=True)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, **result.analysis.counts, "persons": Person.objects.count()}


def child_floor(path: Path) -> dict:
    """The floor the import is compared with, measured in the same run: reading
    the file (python-calamine, every row as Python values) plus one raw
    executemany (SQLite) or COPY (PostgreSQL) of its rows, as text, into an
    unindexed table in one transaction. No checking, no derived columns."""
    import python_calamine
    from django.db import connection, transaction

    started = time.perf_counter()
    sheet = python_calamine.load_workbook(str(path)).get_sheet_by_index(0)
    rows = [[str(v) if v not in (None, "") else None for v in row] for row in sheet.iter_rows()]
    rows = rows[3:]  # title, blank and header rows
    read_seconds = time.perf_counter() - started
    width = len(HEADER)
    rows = [(row + [None] * width)[:width] for row in rows]
    columns = ", ".join(f"c{i} text" for i in range(width))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_import_floor")
        cursor.execute(f"CREATE TABLE bench_import_floor ({columns})")
    started_write = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy("COPY bench_import_floor FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * width)
            cursor.executemany(f"INSERT INTO bench_import_floor VALUES ({marks})", rows)
    write_seconds = time.perf_counter() - started_write
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_import_floor")
    return {"seconds": read_seconds + write_seconds, "read_seconds": read_seconds,
            "write_seconds": write_seconds, "rows": len(rows)}  # fmt: skip


def child_iie(path: Path) -> dict:
    """django-import-export, configured here only (not in INSTALLED_APPS)."""
    import tablib
    from import_export import fields, resources, widgets

    from tongxin.core import pii
    from tongxin.people.models import Ethnicity, Person, PersonGroup, PoliticalStatus
    from tongxin.people.search import derived_fields
    from tongxin.regions.models import Region

    class PersonResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="姓名")
        sex = fields.Field(attribute="sex", column_name="性别")
        ethnicity = fields.Field(
            attribute="ethnicity", column_name="民族",
            widget=widgets.ForeignKeyWidget(Ethnicity, "name"),
        )  # fmt: skip
        id_number = fields.Field(attribute="id_number", column_name="公民身份号码（18位）")
        birth_date = fields.Field(
            attribute="birth_date", column_name="出生年月", widget=widgets.DateWidget("%Y-%m-%d")
        )
        political_status = fields.Field(
            attribute="political_status", column_name="政治面貌",
            widget=widgets.ForeignKeyWidget(PoliticalStatus, "name"),
        )  # fmt: skip
        employer = fields.Field(attribute="employer", column_name="工作单位")
        mobile = fields.Field(attribute="mobile", column_name="手机号码")
        group = fields.Field(
            attribute="group", column_name="所属群体",
            widget=widgets.ForeignKeyWidget(PersonGroup, "name"),
        )  # fmt: skip
        region = fields.Field(
            attribute="region",
            column_name="所在县区",
            widget=widgets.ForeignKeyWidget(Region, "name"),
        )

        class Meta:
            model = Person
            import_id_fields = ["id_number"]
            fields = ["name", "sex", "ethnicity", "id_number", "birth_date", "political_status",
                      "employer", "mobile", "group", "region"]  # fmt: skip
            skip_unchanged = True

        def get_instance(self, instance_loader, row):
            # IDs are encrypted (issue 7): a registered person is found by the ID's keyed hash.
            number = str(row.get("公民身份号码（18位）") or "").strip().upper()
            if not number:
                return None
            return Person.objects.filter(id_number_hash=pii.id_number_hash(number)).first()

        def before_save_instance(self, instance, row, **kwargs):
            instance.sex = {"男": "M", "女": "F"}.get(instance.sex, instance.sex)
            for key, value in derived_fields(
                name=instance.name or "",
                id_number=instance.id_number or "",
                mobile=instance.mobile or "",
            ).items():
                setattr(instance, key, value)

    started = time.perf_counter()
    with path.open("rb") as handle:
        # tablib's xlsx reader is openpyxl; skip the title and blank rows the way a user would
        # have to (import-export has no header detection).
        data = tablib.Dataset().load(handle.read(), format="xlsx", skip_lines=2)
    result = PersonResource().import_data(
        data, dry_run=False, raise_errors=False, use_transactions=True
    )
    seconds = time.perf_counter() - started
    totals = dict(result.totals)
    return {"seconds": seconds, "new": totals.get("new", 0), "error": totals.get("error", 0),
            "invalid": totals.get("invalid", 0), "persons": Person.objects.count()}  # fmt: skip


def _register_one_keyed_person() -> None:
    """One person saved through the form's service, which makes their dedupe
    keys: with no key at all the check at entry has no one to compare with
    and skips the rows' keys (dedupe/entry.py)."""
    import datetime as dt

    from stdnum.cn.ric import calc_check_digit

    from tongxin.dedupe.models import PersonKey
    from tongxin.people.models import Ethnicity, Person, PersonGroup, PoliticalStatus
    from tongxin.people.services import person_create
    from tongxin.regions.models import Region

    first17 = "45010219700101999"
    person_create(
        actor=None,
        data={
            "name": "查重样本", "sex": "M", "birth_date": dt.date(1970, 1, 1),
            "id_number": first17 + calc_check_digit(first17 + "0"),
            "ethnicity": Ethnicity.objects.get(name="汉族"),
            "political_status": PoliticalStatus.objects.order_by("sort_order").first(),
            "group": PersonGroup.objects.order_by("sort_order").first(),
            "region": Region.objects.filter(code__startswith="4501").exclude(code="450100").first(),
            "level": Person.Level.RESERVE,
        },
    )  # fmt: skip
    print(f"dedupe keys before the import: {PersonKey.objects.count()}", flush=True)


def run_child(kind: str, path: Path) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--compare", action="store_true", help="also run django-import-export")
    parser.add_argument("--roster", type=Path, help="reuse a roster written by an earlier run")
    parser.add_argument("--skip-ours", action="store_true", help="only django-import-export")
    parser.add_argument(
        "--into-existing",
        action="store_true",
        help="import into the persons already there (e.g. a 5M bench database) and keep them: "
        "nothing is removed before or after",
    )
    parser.add_argument(
        "--keyed",
        action="store_true",
        help="register one person (with dedupe keys) first, so that dedupe's check at entry "
        "keys and looks up every row, as it does once anyone is keyed",
    )
    parser.add_argument("--child", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if args.child:
        kind, file_name = args.child
        child = {"ours": child_ours, "floor": child_floor, "iie": child_iie}[kind]
        result = child(Path(file_name))
        usage = resource.getrusage(resource.RUSAGE_SELF)
        result["peak_rss_mb"] = usage.ru_maxrss / 1024
        result["cpu_seconds"] = usage.ru_utime + usage.ru_stime
        print(json.dumps(result, ensure_ascii=False))
        return 0

    from tongxin.dashboard.management.commands.demo import demo_regions_ensure, demo_users_ensure

    call_command("migrate", verbosity=0)
    demo_regions_ensure()
    demo_users_ensure()
    if args.into_existing:
        from tongxin.people.models import Person

        print(f"importing into {Person.objects.count():,} persons already there", flush=True)
    else:
        _clean_database()
    if args.keyed:
        _register_one_keyed_person()
    if args.roster:
        path = args.roster
    else:
        path = Path(os.environ.get("TONGXIN_DATA_DIR", "/tmp")) / f"roster-{args.rows}.xlsx"
        started = time.perf_counter()
        planted = write_roster(path, args.rows)
        print(f"wrote {path} ({path.stat().st_size / 1048576:.1f} MB) in "
              f"{time.perf_counter() - started:.1f} s; planted {planted}", flush=True)  # fmt: skip

    rows = []
    if not args.skip_ours:
        ours = run_child("ours", path)
        print(f"tongxin: {json.dumps(ours, ensure_ascii=False)}", flush=True)
        rows.append(
            ("tongxin import", ours["seconds"], ours["cpu_seconds"], ours["peak_rss_mb"],
             ours["created"], ours["persons"])
        )  # fmt: skip
    floor = None
    if not args.skip_ours:
        floor = run_child("floor", path)
        print(f"floor: {json.dumps(floor, ensure_ascii=False)}", flush=True)
    if args.compare:
        _clean_database()
        theirs = run_child("iie", path)
        print(f"django-import-export: {json.dumps(theirs, ensure_ascii=False)}", flush=True)
        rows.append(
            (
                "django-import-export 4.4.3",
                theirs["seconds"],
                theirs["cpu_seconds"],
                theirs["peak_rss_mb"],
                theirs["new"],
                theirs["persons"],
            )
        )
        _clean_database()
    print()
    print(f"{args.rows:,} rows, {connection.vendor}, {datetime.date.today()}, "
          f"{os.cpu_count()} cores")  # fmt: skip
    print("| importer | wall s | CPU s | peak RSS (MB) | reported new | persons in the database |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, seconds, cpu, peak, created, persons in rows:
        print(f"| {label} | {seconds:.1f} | {cpu:.1f} | {peak:.0f} | {created:,} | {persons:,} |")
    if floor is not None:
        write = "COPY" if connection.vendor == "postgresql" else "executemany"
        print(f"\nfloor (read {floor['read_seconds']:.2f} s + one raw {write} "
              f"{floor['write_seconds']:.2f} s) = {floor['seconds']:.2f} s; "
              f"tongxin import / floor: {rows[0][1] / floor['seconds']:.1f}×")  # fmt: skip
    if len(rows) == 2:
        print(f"\nratio (django-import-export / tongxin), wall: {rows[1][1] / rows[0][1]:.1f}×, "
              f"CPU: {rows[1][2] / rows[0][2]:.1f}×")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
