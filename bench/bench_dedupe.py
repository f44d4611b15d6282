"""Duplicate candidates over a million persons with 1% planted duplicates (issue 21).

Usage (from the checkout, with the virtualenv; a throwaway data directory):

    TONGXIN_DATA_DIR=/tmp/bench-dedupe .venv/bin/python bench/bench_dedupe.py --persons 1000000

It migrates, loads demo persons (`tongxin demo --no-records`) until there are
99% of --persons, then plants the other 1% as near-duplicates of random
demo persons, one kind after another: the same name and birth date (another
county's ID and mobile), a homophone or traditional surname with the same
birth date, the same mobile, the same e-mail, a similar name (homophone
given name, or a married name) at the same employer, the ID's old 15-digit
form read back with the wrong century, and an ID with one digit mistyped.
They are written with `persons_bulk_insert`, which sends no save signal, so
the dedupe keys of all persons are made by the full run, as after an import.

The full run (`dedupe.services.candidates_refresh`: keys, blocking, scoring,
storing the pairs) runs in a fresh child process, reporting wall seconds for
the key build and for the candidate search, and the child's peak RSS
(getrusage maxrss), with CPU seconds beside the wall seconds (on a shared
machine the wall clock mostly measures the others) and the floor: reading
every key row once. Recall is the share of planted pairs found by any rule.
Then the at-entry check (`dedupe.entry.matches_for`, what the registration
form asks) is timed for 200 records: planted duplicates entered again and
new persons. Copy the printed table, with date and machine, into
docs/benchmarks.md.
"""

import argparse
import datetime
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")
os.environ.setdefault("TONGXIN_DEMO", "1")

KINDS = ["name_birth", "homophone", "mobile", "email", "similar_employer", "id_15", "id_one_digit"]
HOMOPHONES = {"张": "章", "王": "汪", "李": "黎", "陈": "陳", "刘": "柳", "黄": "皇", "周": "週",
              "吴": "伍", "林": "琳", "杨": "楊", "赵": "趙", "何": "贺", "郭": "國", "马": "馬",
              "罗": "羅", "梁": "樑", "宋": "宗", "韦": "韋", "蒙": "孟", "覃": "秦"}  # fmt: skip
GIVEN_HOMOPHONES = {"伟": "炜", "芳": "方", "敏": "闽", "静": "靜", "丽": "莉", "强": "蔷",
                    "磊": "垒", "军": "君", "洋": "阳", "勇": "永", "艳": "燕", "杰": "傑",
                    "娟": "鹃", "涛": "濤", "明": "鸣", "超": "潮", "秀": "琇", "霞": "侠",
                    "平": "萍", "刚": "钢", "华": "骅", "文": "雯", "红": "虹", "建": "健"}  # fmt: skip


def _rid(first17: str) -> str:
    from stdnum.cn.ric import calc_check_digit

    return first17 + calc_check_digit(first17 + "0")


def _variant(kind: str, original, rng: random.Random, taken: set) -> dict | None:
    """The fields a planted duplicate of `original` differs in (None: cannot plant)."""
    from tongxin.core import pii

    number = original.id_number
    mobile = f"19{rng.randrange(10**9):09d}"

    def fresh_id(first17: str) -> str | None:
        new = _rid(first17)
        digest = pii.id_number_hash(new)
        if digest in taken:
            return None
        taken.add(digest)
        return new

    other_county = fresh_id(number[:4] + f"{rng.randrange(1, 99):02d}" + number[6:14]
                            + f"{rng.randrange(1000):03d}")  # fmt: skip
    name = original.name
    if kind == "name_birth":
        return other_county and {"id_number": other_county, "mobile": mobile}
    if kind == "homophone":
        if name[0] not in HOMOPHONES:
            return None
        return other_county and {
            "name": HOMOPHONES[name[0]] + name[1:],
            "id_number": other_county,
            "mobile": mobile,
        }
    if kind == "mobile":
        if not original.mobile:
            return None
        stranger = f"{original.name[0]}{rng.choice('一二三四五六七八九')}{rng.choice('甲乙丙丁')}"
        return other_county and {
            "name": stranger,
            "id_number": other_county,
            "birth_date": original.birth_date - datetime.timedelta(days=400),
        }
    if kind == "email":
        if not original.email:
            return None
        return other_county and {
            "name": name[0] + "某",
            "id_number": other_county,
            "mobile": mobile,
            "birth_date": original.birth_date + datetime.timedelta(days=40),
        }
    if kind == "similar_employer":
        if not original.employer:
            return None
        changed = next((i for i, c in enumerate(name) if i and c in GIVEN_HOMOPHONES), None)
        if changed is not None:
            similar = name[:changed] + GIVEN_HOMOPHONES[name[changed]] + name[changed + 1 :]
        else:
            similar = rng.choice("王李张陈刘") + name  # 冠夫姓
        return other_county and {
            "name": similar,
            "id_number": other_county,
            "mobile": mobile,
            "birth_date": original.birth_date - datetime.timedelta(days=3),
        }
    if kind == "id_15":
        century = {"19": "18", "20": "19", "18": "19"}[number[6:8]]
        new = fresh_id(number[:6] + century + number[8:17])
        if new is None:
            return None
        born = original.birth_date.replace(year=int(century + number[8:10]))
        return {"id_number": new, "mobile": mobile, "birth_date": born, "name": name + "某"}
    if kind == "id_one_digit":
        position = rng.choice([14, 15])
        digit = str((int(number[position]) + rng.randrange(1, 10)) % 10)
        new = fresh_id(number[:position] + digit + number[position + 1 : 17])
        return new and {"id_number": new, "mobile": mobile}
    raise ValueError(kind)


def plant(total: int, seed: int = 21) -> list[tuple[int, int, str]]:
    """Add total − (persons there) near-duplicates; returns (original, duplicate, kind)."""
    from tongxin.core import pii
    from tongxin.people.models import Person
    from tongxin.people.search import derived_fields
    from tongxin.people.services import persons_bulk_insert

    existing = Person.objects.count()
    wanted = total - existing
    if wanted <= 0:
        return planted_earlier()
    rng = random.Random(seed)
    ids = list(Person.objects.values_list("pk", flat=True))
    taken = set(Person.objects.values_list("id_number_hash", flat=True))
    originals = rng.sample(ids, min(len(ids), wanted * 2))
    skip = {"id", "name_pinyin", "name_initials", "id_number_hash", "id_suffix_hash",
            "mobile_hash", "search_tokens", "created_at", "updated_at"}  # fmt: skip
    fields = [f for f in Person._meta.concrete_fields if f.name not in skip]
    planted_from, copies = [], []
    position = 0
    for start in range(0, len(originals), 2000):
        for original in Person.objects.filter(pk__in=originals[start : start + 2000]):
            if len(copies) >= wanted:
                break
            kind = KINDS[position % len(KINDS)]
            change = _variant(kind, original, rng, taken)
            if change is None:
                continue
            position += 1
            copy = Person(**{f.attname: getattr(original, f.attname) for f in fields})
            for name, value in change.items():
                setattr(copy, name, value)
            for column, value in derived_fields(
                name=copy.name, id_number=copy.id_number, mobile=copy.mobile
            ).items():
                setattr(copy, column, value)
            copies.append(copy)
            planted_from.append((original.pk, kind))
    persons_bulk_insert(copies, reason=REASON)
    assert all(p.pk for p in copies)
    del taken
    _ = pii  # the hashes above came from the same keyring
    return [(o, c.pk, kind) for (o, kind), c in zip(planted_from, copies, strict=True)]


REASON = "bench_dedupe planted duplicate"
# Copied unchanged into every planted duplicate, and together unique to a demo person.
MATCH = ["region_id", "employer", "resume", "address", "job_title", "school", "major"]


def planted_earlier() -> list[tuple[int, int, str]]:
    """The pairs an earlier run planted (a rerun on the same database): the
    duplicates by their history reason, their originals by the columns each
    copy kept; kinds in planting order."""
    from tongxin.people.models import Person

    copies = sorted(
        Person.history.filter(history_change_reason=REASON).values_list("id", flat=True)
    )
    if not copies:
        return []
    wanted = set(copies)
    originals = {}
    for row in Person.objects.filter(pk__lt=copies[0]).values_list("pk", *MATCH).iterator(5000):
        originals.setdefault(row[1:], row[0])
    found = []
    for position, row in enumerate(
        Person.objects.filter(pk__in=wanted).order_by("pk").values_list("pk", *MATCH)
    ):
        original = originals.get(row[1:])
        if original is not None:
            found.append((original, row[0], KINDS[position % len(KINDS)]))
    return found


def _read_all_keys() -> int:
    """The floor of a full run: every key row read once, and nothing done with it."""
    from django.db import connection

    from tongxin.dedupe.models import PersonKey
    from tongxin.dedupe.rules import KEY_FIELDS

    count = 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(KEY_FIELDS)} FROM {PersonKey._meta.db_table}")
        while rows := cursor.fetchmany(10_000):
            count += len(rows)
    return count


def child() -> None:
    """The measured run, in a fresh process: keys, then candidates, each
    with wall and CPU seconds; then the floor (reading every key once)."""
    import django

    django.setup()
    from tongxin.dedupe import rules, services

    load = [os.getloadavg()[0]]
    wall, cpu = time.perf_counter(), time.process_time()
    made = services.keys_refresh()
    keys_s, keys_cpu = time.perf_counter() - wall, time.process_time() - cpu
    load.append(os.getloadavg()[0])
    wall, cpu = time.perf_counter(), time.process_time()
    summary = services.candidates_refresh()
    find_s, find_cpu = time.perf_counter() - wall, time.process_time() - cpu
    load.append(os.getloadavg()[0])
    wall, cpu = time.perf_counter(), time.process_time()
    read = _read_all_keys()
    floor_s, floor_cpu = time.perf_counter() - wall, time.process_time() - cpu
    load.append(os.getloadavg()[0])
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"keys_made": made, "keys_s": keys_s, "keys_cpu": keys_cpu,
                      "find_s": find_s, "find_cpu": find_cpu, "floor_s": floor_s,
                      "floor_cpu": floor_cpu, "floor_rows": read, "load": load,
                      "found": summary["found"], "skipped": summary["skipped_blocks"],
                      "peak_rss_mb": rss, "max_block": rules.MAX_BLOCK}))  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child()
        return 0

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tongxin.accounts.models import User
    from tongxin.dedupe.entry import matches_for
    from tongxin.dedupe.models import DuplicatePair
    from tongxin.people.models import Person

    call_command("migrate", verbosity=0)
    base = args.persons - args.persons // 100
    existing = Person.objects.count()
    started = time.perf_counter()
    if existing < base:
        print(f"loading {base - existing} demo persons …", flush=True)
        call_command("demo", persons=base - existing, no_records=True)
    print(f"loaded in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    planted = plant(args.persons)
    print(f"planted {len(planted)} duplicates in {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA optimize" if connection.vendor == "sqlite" else "ANALYZE")

    result = subprocess.run(
        [sys.executable, __file__, "--child"], capture_output=True, text=True, check=True
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])

    pairs = {frozenset(p) for p in DuplicatePair.objects.values_list("person_a_id", "person_b_id")}
    by_kind: dict[str, list[bool]] = {}
    for original, duplicate, kind in planted:
        by_kind.setdefault(kind, []).append(frozenset((original, duplicate)) in pairs)
    found = sum(sum(v) for v in by_kind.values())

    user = User.objects.get(username="city")
    rng = random.Random(5)
    samples = [duplicate for _o, duplicate, _k in rng.sample(planted, args.entries // 2)]
    fields = ["name", "birth_date", "id_number", "mobile", "email", "employer"]
    entries = [{f: getattr(p, f) for f in fields} for p in Person.objects.filter(pk__in=samples)]
    for n in range(args.entries - len(entries)):
        entries.append({"name": f"新{n}号", "birth_date": datetime.date(1990, 1, 1 + n % 28),
                        "id_number": f"45010219900101{n:03d}X", "mobile": f"1770000{n:04d}",
                        "email": "", "employer": "新单位"})  # fmt: skip
    timings, hits = [], 0
    load_entry = [os.getloadavg()[0]]
    for data in entries:
        started = time.perf_counter()
        hits += bool(matches_for(user, data))
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    # The at-entry floor: one indexed key lookup each, in the same minutes.
    from tongxin.core import pii
    from tongxin.dedupe.models import PersonKey

    floor = []
    for data in entries:
        started = time.perf_counter()
        PersonKey.objects.filter(mobile_hash=pii.mobile_hash(data["mobile"])).exists()
        floor.append((time.perf_counter() - started) * 1000)
    floor.sort()
    load_entry.append(os.getloadavg()[0])

    print()
    print(f"{Person.objects.count():,} persons, {len(planted):,} planted; "
          f"{platform.node()}, {os.cpu_count()} cores, {connection.vendor}, "
          f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, "
          f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
    print()
    print("| measure | figure | target | load average |")
    print("| --- | ---: | ---: | ---: |")

    def loads(values):
        return "–".join(f"{v:.1f}" for v in values)

    print(f"| keys made (all persons), wall / CPU | {figures['keys_s']:.1f} s / "
          f"{figures['keys_cpu']:.1f} s ({figures['keys_made']:,}) | | "
          f"{loads(figures['load'][0:2])} |")  # fmt: skip
    print(f"| candidate search and storing, wall / CPU | {figures['find_s']:.1f} s / "
          f"{figures['find_cpu']:.1f} s | ≤ 60 s | {loads(figures['load'][1:3])} |")  # fmt: skip
    print(f"| floor: every key row read once, wall / CPU | {figures['floor_s']:.1f} s / "
          f"{figures['floor_cpu']:.1f} s ({figures['floor_rows']:,} rows) | | "
          f"{loads(figures['load'][2:4])} |")  # fmt: skip
    total = figures["keys_s"] + figures["find_s"]
    print(f"| keys + candidates, wall | {total:.1f} s | | |")
    print(f"| peak RSS of the run | {figures['peak_rss_mb']:.0f} MB | ≤ 2048 MB | |")
    print(f"| pairs found (all rules) | {figures['found']:,} | | |")
    print(f"| recall of planted pairs | {100 * found / len(planted):.2f} % | ≥ 99 % | |")
    for kind, hits_of in by_kind.items():
        print(f"| … {kind} | {sum(hits_of)}/{len(hits_of)} | | |")
    print(f"| blocks over {figures['max_block']} skipped | {figures['skipped']} | | |")
    p50, p95 = statistics.median(timings), timings[int(len(timings) * 0.95) - 1]
    print(f"| at-entry check p50 / p95 | {p50:.1f} / {p95:.1f} ms | p95 ≤ 50 ms | "
          f"{loads(load_entry)} |")  # fmt: skip
    f50, f95 = statistics.median(floor), floor[int(len(floor) * 0.95) - 1]
    print(f"| floor: one indexed key lookup p50 / p95 | {f50:.1f} / {f95:.1f} ms | | |")
    print(f"| at-entry matches (planted half) | {hits}/{len(entries)} | | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
