"""The `tongxin demo` and `tongxin serve` management commands."""

import datetime
import io
import sys
import time
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.migrations.recorder import MigrationRecorder

from tongxin.accounts.models import User
from tongxin.audit.models import AuditEntry
from tongxin.core.management.commands.serve import (
    check_ready_to_serve,
    pending_migrations,
    run_together,
)
from tongxin.dashboard.management.commands.demo import _secondary_indexes, secondary_indexes_dropped
from tongxin.people.demo import ID_ADDRESS_CODES, MAX_PERSONS, _id_slot, generate_persons
from tongxin.people.models import Person
from tongxin.people.search import derived_fields
from tongxin.people.services import persons_bulk_insert
from tongxin.people.validators import parse_mobile, parse_resident_id
from tongxin.regions.models import Region

N = 500


def demo(**options) -> str:
    out = io.StringIO()
    call_command("demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # Argon2 is deliberately slow; these tests hash the four demo passwords often.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo_persons(db):
    demo(persons=N, seed=7, no_records=True)
    return list(Person.objects.select_related("group", "subcategory", "political_status"))


# --- tongxin demo -------------------------------------------------------------


def test_it_creates_the_nanning_regions(db):
    demo(persons=0)

    city = Region.objects.get(code="450100")
    assert city.name == "南宁市" and city.kind == Region.Kind.CITY
    units = {r.code: r for r in Region.objects.filter(parent=city)}
    assert units["450102"].name == "兴宁区" and units["450102"].kind == Region.Kind.DISTRICT
    assert units["450126"].name == "宾阳县" and units["450126"].kind == Region.Kind.COUNTY
    assert units["450181"].name == "横州市" and units["450181"].kind == Region.Kind.COUNTY_CITY
    assert {"450102", "450103", "450105", "450107", "450108", "450109", "450110"} <= set(units)
    assert {"450123", "450124", "450125"} <= set(units)
    assert any(r.kind == Region.Kind.ZONE for r in units.values())


def test_it_builds_a_two_city_province_down_to_communities(db):
    demo(persons=0)

    def node(code, name, kind, parent):
        region = Region.objects.get(code=code)
        assert (region.name, region.kind, region.parent) == (name, kind, parent)
        expected = f"{parent.path if parent else '/'}{region.pk}/"
        assert (region.path, region.depth) == (expected, expected.count("/") - 2)
        return region

    province = node("450000", "广西壮族自治区", Region.Kind.PROVINCE, None)
    nanning = node("450100", "南宁市", Region.Kind.CITY, province)
    liuzhou = node("450200", "柳州市", Region.Kind.CITY, province)
    assert set(Region.objects.filter(parent=province)) == {nanning, liuzhou}
    assert set(Region.objects.filter(parent__isnull=True)) == {province}
    node("450202", "城中区", Region.Kind.DISTRICT, liuzhou)
    node("450206", "柳江区", Region.Kind.DISTRICT, liuzhou)
    node("450223", "鹿寨县", Region.Kind.COUNTY, liuzhou)
    assert Region.objects.filter(parent=liuzhou).count() == 7
    xingning = Region.objects.get(code="450102")
    street = node("450102001", "民生街道", Region.Kind.STREET, xingning)
    node("450102002", "朝阳街道", Region.Kind.STREET, xingning)
    town = node("450102100", "三塘镇", Region.Kind.TOWN, xingning)
    community = node("450102001001", "民生社区", Region.Kind.COMMUNITY, street)
    node("450102100201", "三塘村", Region.Kind.VILLAGE, town)
    assert community.depth == 4 and community.path.startswith(province.path)
    assert Region.objects.filter(path__startswith=xingning.path).count() == 7


def test_it_hangs_an_old_flat_city_under_the_province_and_fills_the_new_regions(db):
    # The demo database before the region tree: 南宁市 a root, its units below.
    city = Region.objects.create(code="450100", name="南宁市", kind=Region.Kind.CITY)
    xingning = Region.objects.create(
        code="450102", name="兴宁区", kind=Region.Kind.DISTRICT, parent=city
    )
    rows = generate_persons(30, regions=[xingning], seed=2)
    persons_bulk_insert(rows, actor=None, reason="演示数据", count=30)

    demo(persons=100, once=True, no_records=True)

    province = Region.objects.get(code="450000")
    city.refresh_from_db()
    xingning.refresh_from_db()
    assert city.parent == province and city.depth == 1
    assert xingning.path == f"/{province.pk}/{city.pk}/{xingning.pk}/" and xingning.depth == 2
    assert Person.objects.filter(region=xingning).count() == 30
    liuzhou = Region.objects.get(code="450200")
    assert Person.objects.filter(region__path__startswith=liuzhou.path).exists()
    assert Person.objects.count() == 130

    demo(persons=100, once=True, no_records=True)
    assert Person.objects.count() == 130


DEMO_ACCOUNTS = {
    # username: (role, region codes)
    "admin": (User.Role.ADMIN, []),
    "province": (User.Role.CITY, ["450000"]),
    "city": (User.Role.CITY, ["450100"]),
    "liuzhou": (User.Role.CITY, ["450200"]),
    "xingning": (User.Role.COUNTY, ["450102"]),
    "jiedao": (User.Role.COUNTY, ["450102001"]),
    "leader": (User.Role.LEADER, ["450100"]),
    "evaluator": (User.Role.EVALUATOR, []),
}


def test_it_creates_the_eight_demo_users_with_their_roles_and_places(db):
    output = demo(persons=0)

    users = {u.username: u for u in User.objects.all()}
    assert set(users) == set(DEMO_ACCOUNTS)
    for username, (role, codes) in DEMO_ACCOUNTS.items():
        user = users[username]
        assert user.role == role, username
        assert sorted(user.regions.values_list("code", flat=True)) == codes, username
        assert user.is_superuser == user.is_staff == (username == "admin")
        assert user.check_password("tongxin-demo")
        assert user.display_name
        assert f"  {username} " in output
    assert "tongxin-demo" in output


def test_it_leaves_existing_users_and_regions_alone(db):
    demo(persons=0)
    city = User.objects.get(username="city")
    city.set_password("a-changed-password-1")
    city.save(update_fields=["password"])

    demo(persons=0)

    assert User.objects.count() == len(DEMO_ACCOUNTS)
    assert Region.objects.filter(code="450102").count() == 1
    city.refresh_from_db()
    assert city.check_password("a-changed-password-1")


def test_it_does_not_add_persons_twice_with_once(db):
    demo(persons=40, once=True)
    output = demo(persons=40, once=True)

    assert Person.objects.count() == 40
    assert "跳过" in output
    assert AuditEntry.objects.filter(action=AuditEntry.Action.BULK_CREATE).count() == 1


def test_it_adds_more_persons_with_new_ids_without_once(db):
    demo(persons=40)
    demo(persons=40)

    assert Person.objects.count() == 80
    assert Person.objects.values("id_number").distinct().count() == 80


def test_it_writes_history_and_one_audit_entry_for_the_bulk_insert(demo_persons):
    assert Person.history.count() == N
    assert set(Person.history.values_list("history_type", flat=True)) == {"+"}
    assert set(Person.history.values_list("history_change_reason", flat=True)) == {"演示数据"}

    entry = AuditEntry.objects.get(action=AuditEntry.Action.BULK_CREATE)
    assert entry.object_type == "people.person"
    assert entry.changes == {"count": N, "source": "demo"}


def test_it_generates_valid_unique_resident_ids(demo_persons):
    codes = dict(Region.objects.values_list("pk", "code"))
    assert len({p.id_number for p in demo_persons}) == N
    for person in demo_persons:
        rid = parse_resident_id(person.id_number)
        assert rid.birth_date == person.birth_date
        assert rid.sex == person.sex
        # Zones have no national code; their persons carry the host district's;
        # streets and communities their county's.
        county = codes[person.region_id][:6]
        assert rid.address_code == ID_ADDRESS_CODES.get(county, county)
        assert rid.warnings == ()
        assert datetime.date(1955, 1, 1) <= person.birth_date <= datetime.date(2000, 12, 31)


def test_it_generates_valid_mobiles(demo_persons):
    for person in demo_persons:
        assert parse_mobile(person.mobile) == person.mobile


def test_it_sets_the_derived_search_fields(demo_persons):
    for person in demo_persons:
        expected = derived_fields(name=person.name, id_number=person.id_number)
        assert {k: getattr(person, k) for k in expected} == expected
        assert person.name_pinyin and person.name_initials and person.search_tokens


def test_it_spreads_persons_over_regions_groups_and_levels(demo_persons):
    regions = Counter(p.region_id for p in demo_persons)
    groups = Counter(p.group_id for p in demo_persons)
    levels = Counter(p.level for p in demo_persons)
    assert len(regions) >= 10
    assert len(groups) == 4
    assert (
        levels[Person.Level.CITY] and levels[Person.Level.COUNTY] and levels[Person.Level.RESERVE]
    )
    assert levels[Person.Level.RESERVE] > levels[Person.Level.COUNTY] > levels[Person.Level.CITY]
    assert not Region.objects.get(code="450100").persons.exists()


def test_it_keeps_classification_consistent(demo_persons):
    for person in demo_persons:
        assert person.subcategory.group_id == person.group_id
        assert bool(person.freelance_field) == person.group.is_freelance
        assert person.career_start_year > person.birth_date.year + 15
        if person.is_archived:
            assert person.archived_reason and person.archived_on
        else:
            assert not person.political_status.is_cpc


def test_it_rebuilds_the_indexes_it_drops_for_a_large_load(db):
    tables = [Person._meta.db_table, Person.history.model._meta.db_table]
    before = sorted(i for table in tables for i in _secondary_indexes(table))
    assert len(before) > 10

    with transaction.atomic(), secondary_indexes_dropped(tables):
        assert all(_secondary_indexes(table) == [] for table in tables)
        demo(persons=30)

    assert sorted(i for table in tables for i in _secondary_indexes(table)) == before
    assert Person.objects.filter(name_pinyin__gte="a").count() == 30


def test_it_gives_every_index_its_own_birth_date_and_sequence():
    # A million demo persons (the benchmark size) never share an ID's date and sequence.
    assert MAX_PERSONS >= 1_000_000
    slots = {_id_slot(i) for i in range(1_000_000)}
    assert len(slots) == 1_000_000
    assert all(0 <= sequence < 500 for _day, sequence in slots)


# --- tongxin serve ------------------------------------------------------------


def test_it_finds_no_pending_migrations_on_a_migrated_database(db):
    assert pending_migrations() == []


def test_it_refuses_to_serve_with_pending_migrations(db):
    latest = MigrationRecorder.Migration.objects.filter(app="people").order_by("-id").first()
    latest.delete()  # rolled back with the test's transaction

    assert pending_migrations() == [f"people.{latest.name}"]
    with pytest.raises(CommandError, match="tongxin migrate") as info:
        call_command("serve")
    assert "迁移尚未执行" in str(info.value)


def test_it_refuses_to_serve_without_collected_static_files(db, settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "staticfiles"

    with pytest.raises(CommandError, match="collectstatic"):
        check_ready_to_serve()

    settings.STATIC_ROOT.mkdir()
    (settings.STATIC_ROOT / "staticfiles.json").write_text("{}")
    check_ready_to_serve()


def test_it_stops_the_other_process_when_one_exits():
    started = time.monotonic()
    code = run_together(
        [
            ("quick", [sys.executable, "-c", "import sys; sys.exit(3)"]),
            ("slow", [sys.executable, "-c", "import time; time.sleep(60)"]),
        ],
        stderr=io.StringIO(),
    )
    assert code == 3
    assert time.monotonic() - started < 20
