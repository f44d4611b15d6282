"""`tongxin demo`: the Guangxi demo deployment (南宁市 and 柳州市), idempotently.

The region tree and the demo accounts are created when missing (existing ones
are left as they are; a flat 南宁市 tree is hung under the province); then N
synthetic persons are bulk-inserted in one transaction with their history rows
and one audit entry; then every app that defines the `demo_records` hook
fills its own pages with a few records, once.
"""

import gc
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from tongxin.accounts.models import User
from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core.db_stats import statistics_refresh
from tongxin.core.hooks import collect
from tongxin.people.demo import MAX_PERSONS, demo_mover_move, generate_persons
from tongxin.people.models import Person
from tongxin.people.services import persons_bulk_insert
from tongxin.regions.models import Region

PROVINCE = ("450000", "广西壮族自治区")
# Development zones are county-level units in the city's own management, but
# they have no national administrative code: 450171-450173 are this
# deployment's local convention (see docs/decisions.md).
NANNING_UNITS = [
    ("450102", "兴宁区", Region.Kind.DISTRICT),
    ("450103", "青秀区", Region.Kind.DISTRICT),
    ("450105", "江南区", Region.Kind.DISTRICT),
    ("450107", "西乡塘区", Region.Kind.DISTRICT),
    ("450108", "良庆区", Region.Kind.DISTRICT),
    ("450109", "邕宁区", Region.Kind.DISTRICT),
    ("450110", "武鸣区", Region.Kind.DISTRICT),
    ("450123", "隆安县", Region.Kind.COUNTY),
    ("450124", "马山县", Region.Kind.COUNTY),
    ("450125", "上林县", Region.Kind.COUNTY),
    ("450126", "宾阳县", Region.Kind.COUNTY),
    ("450181", "横州市", Region.Kind.COUNTY_CITY),
    ("450171", "南宁高新技术产业开发区", Region.Kind.ZONE),
    ("450172", "南宁经济技术开发区", Region.Kind.ZONE),
    ("450173", "广西—东盟经济技术开发区", Region.Kind.ZONE),
]
LIUZHOU_UNITS = [
    ("450202", "城中区", Region.Kind.DISTRICT),
    ("450203", "鱼峰区", Region.Kind.DISTRICT),
    ("450204", "柳南区", Region.Kind.DISTRICT),
    ("450205", "柳北区", Region.Kind.DISTRICT),
    ("450206", "柳江区", Region.Kind.DISTRICT),
    ("450222", "柳城县", Region.Kind.COUNTY),
    ("450223", "鹿寨县", Region.Kind.COUNTY),
]
CITIES = [("450100", "南宁市", NANNING_UNITS), ("450200", "柳州市", LIUZHOU_UNITS)]
# (parent code, code, name, kind): the tree as deep as 社区, in one corner of it.
BELOW_COUNTY = [
    ("450102", "450102001", "民生街道", Region.Kind.STREET),
    ("450102", "450102002", "朝阳街道", Region.Kind.STREET),
    ("450102", "450102100", "三塘镇", Region.Kind.TOWN),
    ("450102001", "450102001001", "民生社区", Region.Kind.COMMUNITY),
    ("450102001", "450102001002", "共和社区", Region.Kind.COMMUNITY),
    ("450102100", "450102100201", "三塘村", Region.Kind.VILLAGE),
]

# (username, role, display name, region codes, label shown in the login list)
DEMO_USERS = [
    ("admin", User.Role.ADMIN, "演示管理员", [], "系统管理员"),
    ("province", User.Role.CITY, "自治区演示用户", ["450000"], "自治区工作人员"),
    ("city", User.Role.CITY, "市级演示用户", ["450100"], "市级工作人员"),
    ("liuzhou", User.Role.CITY, "柳州市演示用户", ["450200"], "柳州市工作人员"),
    ("xingning", User.Role.COUNTY, "兴宁区演示用户", ["450102"], "县区工作人员（兴宁区）"),
    (
        "jiedao",
        User.Role.COUNTY,
        "民生街道演示用户",
        ["450102001"],
        "街道工作人员（兴宁区民生街道）",
    ),
    ("leader", User.Role.LEADER, "领导演示用户", ["450100"], "领导（只读）"),
    ("evaluator", User.Role.EVALUATOR, "评审人演示用户", [], "评审人（只看分配的评分表）"),
]

# From this many rows on, secondary indexes are dropped for the load and
# rebuilt after it: building an index once from sorted data is far cheaper
# than updating 36 of them row by row (people_person and its history table).
REBUILD_INDEXES_FROM = 100_000
PROGRESS_EVERY = 50_000
COLLECT_EVERY = 20_000


def _region_ensure(code: str, name: str, kind: str, parent: Region | None, order: int) -> Region:
    region, created = Region.objects.get_or_create(
        code=code, defaults={"name": name, "kind": kind, "parent": parent, "sort_order": order}
    )
    if not created and region.parent_id is None and parent is not None:
        # A demo database from before the province: hang the old root under
        # it (save() rewrites the paths of the whole subtree).
        region.parent = parent
        region.save(update_fields=["parent"])
    region.created_now = created
    return region


def demo_regions_ensure() -> list[Region]:
    """The province, its two cities and the nodes below them.

    Returns every node persons may be placed at (all but the province and the
    cities), each with `created_now`. An existing demo tree is completed, never
    changed otherwise.
    """
    province = _region_ensure(*PROVINCE, Region.Kind.PROVINCE, None, 0)
    places = []
    by_code = {}
    for city_order, (city_code, city_name, units) in enumerate(CITIES, start=1):
        city = _region_ensure(city_code, city_name, Region.Kind.CITY, province, city_order)
        for order, (code, name, kind) in enumerate(units, start=1):
            by_code[code] = _region_ensure(code, name, kind, city, order)
            places.append(by_code[code])
    for order, (parent_code, code, name, kind) in enumerate(BELOW_COUNTY, start=1):
        by_code[code] = _region_ensure(code, name, kind, by_code[parent_code], order)
        places.append(by_code[code])
    return places


def demo_users_ensure() -> list[tuple[User, bool]]:
    """The demo accounts; an account that exists already is not touched."""
    result = []
    for username, role, display_name, region_codes, _label in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is not None:
            result.append((user, False))
            continue
        is_admin = role == User.Role.ADMIN
        user = User(
            username=username,
            role=role,
            display_name=display_name,
            is_staff=is_admin,
            is_superuser=is_admin,
            # Production refuses to start while a flagged account is active
            # (accounts/checks.py); the demo never asks it to change password.
            is_demo_account=True,
        )
        # set_password runs no validators, so the public demo password is
        # stored; the login backend refuses it outside demo/development mode.
        user.set_password(settings.DEMO_PASSWORD)
        user.save()
        if region_codes:
            user.regions.set(Region.objects.filter(code__in=region_codes))
        result.append((user, True))
    return result


def demo_logins_text() -> str:
    lines = [f"演示账号（密码均为 {settings.DEMO_PASSWORD}）："]
    for username, _role, _name, _codes, label in DEMO_USERS:
        lines.append(f"  {username:<10} {label}")
    if not (settings.DEMO or settings.DEBUG):
        lines.append("注意：演示密码只在 TONGXIN_DEMO=1（或 TONGXIN_DEBUG=1）时可以登录。")
    return "\n".join(lines)


def _secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the table's indexes that back no constraint."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # UNIQUE and primary-key indexes have no SQL of their own.
            cursor.execute(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                [table],
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = current_schema() AND tablename = %s AND indexname NOT IN "
                "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                [table, table],
            )
        else:
            return []
        return cursor.fetchall()


@contextmanager
def secondary_indexes_dropped(tables: list[str], enabled: bool = True):
    """Drop the tables' non-constraint indexes, and recreate them on the way out.

    Must run inside a transaction: both SQLite and PostgreSQL roll DDL back,
    so a load that fails leaves every index in place. The unique ID index
    stays, so duplicates are still refused during the load.
    """
    if not enabled:
        yield
        return
    indexes = [index for table in tables for index in _secondary_indexes(table)]
    with connection.cursor() as cursor:
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Django's foreign keys are deferred; PostgreSQL builds no index on
            # a table with pending checks, so run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # The default 64 MB makes a million-row index build spill to disk.
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, sql in indexes:
            cursor.execute(sql)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    statistics_refresh(tables=tables)  # SQLite never gathers them by itself


class Command(BaseCommand):
    help = (
        "创建广西（南宁市、柳州市）演示数据：区域、演示账号、N 名合成的代表人士和各模块的演示记录。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=2000, help="生成的人员数量（默认 2000）")
        parser.add_argument(
            "--once",
            action="store_true",
            help="已有人员时不再生成（make run 用它只在第一次生成演示数据）",
        )
        parser.add_argument("--seed", type=int, default=1, help="随机种子（默认 1）")
        parser.add_argument(
            "--no-records",
            action="store_true",
            help="只生成人员，不生成各模块（活动、诉求、评价等）的演示记录",
        )

    def handle(self, *args, persons: int, once: bool, seed: int, **options):
        if persons < 0:
            raise CommandError("--persons 不能为负数")
        started = time.monotonic()
        with transaction.atomic():
            regions = demo_regions_ensure()
            users = demo_users_ensure()
        created = [u.username for u, new in users if new]
        self.stdout.write(
            f"区域：{Region.objects.count()} 个；演示账号："
            + (f"新建 {'、'.join(created)}" if created else "均已存在")
        )

        existing = Person.objects.count()
        new = [r for r in regions if r.created_now]
        if once and existing and new and persons:
            # A demo database from before the province: the regions added now
            # (柳州市, the streets) get a few persons, so both cities show.
            n = min(persons, 50 * len(new))
            self.stdout.write(f"已有 {existing} 名人员；为新增的 {len(new)} 个区域补充人员。")
            self._insert(n, regions=new, seed=seed, start_index=existing, started=started)
        elif once and existing:
            self.stdout.write(f"已有 {existing} 名人员，跳过生成（--once）。")
        elif persons:
            if existing + persons > MAX_PERSONS:
                raise CommandError(f"演示人员总数不能超过 {MAX_PERSONS}")
            self._insert(persons, regions=regions, seed=seed, start_index=existing, started=started)
        if Person.objects.exists() and not options.get("no_records"):
            self._records(seed=seed)
        self.stdout.write(demo_logins_text())
        self._portal_links()

    def _records(self, *, seed: int) -> None:
        """Every app's demo records, each made once; then the demo mover moves."""
        started = time.monotonic()
        # One transaction: a failure leaves no module half filled, so the next
        # run starts over rather than skipping what is missing.
        with transaction.atomic():
            lines = collect("demo_records", seed)
            if not lines:
                return
            demo_mover_move()
        for line in lines:
            self.stdout.write(f"  {line}")
        self.stdout.write(f"各模块演示记录已生成，用时 {time.monotonic() - started:.1f} 秒。")

    def _portal_links(self) -> None:
        """How to open the demo persons' own pages, on every run (make run prints it)."""
        from tongxin.portal.demo import demo_links_text

        text = demo_links_text()
        if text:
            self.stdout.write(text)

    def _insert(self, n: int, *, regions, seed: int, start_index: int, started: float) -> None:
        self.stdout.write(f"正在生成 {n} 名演示人员……")
        tables = [Person._meta.db_table, Person.history.model._meta.db_table]
        with transaction.atomic(), secondary_indexes_dropped(tables, n >= REBUILD_INDEXES_FROM):
            # Later runs continue the index so resident IDs stay unique.
            rows = generate_persons(n, regions=regions, seed=seed, start_index=start_index)
            inserted = persons_bulk_insert(
                self._with_progress(rows, started), actor=None, reason="演示数据", count=n
            )
            if n >= REBUILD_INDEXES_FROM:
                self.stdout.write(f"  正在重建索引……{time.monotonic() - started:.0f} 秒")
            audit_log(
                action=AuditEntry.Action.BULK_CREATE,
                object_type="people.person",
                changes={"count": inserted, "source": "demo"},
            )
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(f"已生成 {inserted} 名演示人员，用时 {elapsed:.1f} 秒。")
        )

    def _with_progress(self, rows: Iterable[Person], started: float) -> Iterator[Person]:
        for count, person in enumerate(rows, start=1):
            yield person
            if count % COLLECT_EVERY == 0:
                # persons_bulk_insert turns the cyclic GC off for speed, but
                # bulk_create leaves every Person in a cycle with its photo's
                # FieldFile (≈2.6 KB a row, 2.7 GB at a million rows); collecting
                # now and then keeps the process near 300 MB.
                gc.collect()
            if count % PROGRESS_EVERY == 0:
                self.stdout.write(f"  {count} 条，{time.monotonic() - started:.0f} 秒")
                self.stdout.flush()
