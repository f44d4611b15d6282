"""Resident IDs and mobiles encrypted at rest (issue 7): nothing readable in the
database, while lookup, uniqueness and suffix search keep working after create,
bulk insert, import, key rotation and retiring the old key."""

import base64
import datetime
import json
import os
import re
import stat

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tongxin.audit.models import AuditEntry
from tongxin.conftest import make_id_number
from tongxin.core import pii, pii_rotation
from tongxin.imports.committing import import_file
from tongxin.imports.models import ImportedRecord
from tongxin.imports.tests.rosters import roster_row, write_xlsx
from tongxin.imports.undo import import_batch_undo
from tongxin.people.models import Ethnicity, Person, PersonGroup, PoliticalStatus
from tongxin.people.search import derived_fields, search_persons
from tongxin.people.services import person_create, person_update, persons_bulk_insert
from tongxin.people.tests.test_person_views import form_data

pytestmark = pytest.mark.django_db

EIGHTEEN_DIGITS = re.compile(r"\d{17}[\dXx]")
ELEVEN_DIGITS = re.compile(r"\d{11}")
TABLES = ["people_person", "people_historicalperson", "audit_auditentry", "imports_importedrecord"]


def id_ending_in_x(address_code="450102") -> str:
    while True:
        number = make_id_number(address_code)
        if number.endswith("X"):
            return number


def raw_rows(table: str) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def assert_nothing_readable(*secrets: str) -> None:
    """No table holds the plaintext (or the reversed ID); ID and mobile columns hold no number."""
    for table in TABLES:
        for row in raw_rows(table):
            text = json.dumps(row, default=str, ensure_ascii=False)
            for secret in secrets:
                assert secret not in text, (table, secret)
                assert secret[::-1] not in text, (table, secret)
            if "id_number" in row:
                assert not EIGHTEEN_DIGITS.search(row["id_number"]), (table, row["id_number"])
                assert row["id_number"].count("$") == 1  # "<key id>$<ciphertext>"
            if "mobile" in row:
                assert not ELEVEN_DIGITS.search(row["mobile"] or ""), (table, row["mobile"])


def found(query: str, qs=None) -> set[int]:
    qs = Person.objects.all() if qs is None else qs
    return set(search_persons(qs, query).queryset.values_list("pk", flat=True))


def assert_findable(person: Person) -> None:
    number = person.id_number
    assert found(number) == {person.pk}
    assert found(number.lower()) == {person.pk}
    for length in (4, 6, 8, 11, 17):
        assert person.pk in found(number[-length:]), length
    if number.endswith("X"):
        assert person.pk in found(number[-4:-1] + "x")
    if person.mobile:
        assert person.pk in found(person.mobile)
    assert Person.objects.filter(id_number_hash=pii.id_number_hash(number)).get() == person


def unsaved_person(name: str, region, *, mobile: str) -> Person:
    id_number = make_id_number(region.code, datetime.date(1970, 3, 4), "F")
    person = Person(
        name=name,
        sex="F",
        birth_date=datetime.date(1970, 3, 4),
        id_number=id_number,
        mobile=mobile,
        ethnicity=Ethnicity.objects.get(name="汉族"),
        political_status=PoliticalStatus.objects.get(name="群众"),
        group=PersonGroup.objects.get(sort_order=2),
        region=region,
    )
    for field, value in derived_fields(name=name, id_number=id_number, mobile=mobile).items():
        setattr(person, field, value)
    return person


# --- at rest ----------------------------------------------------------------------


def test_it_stores_ids_and_mobiles_only_as_ciphertext(make_person, city_user):
    person = make_person("张三", id_number=id_ending_in_x(), mobile="13912345678", actor=city_user)
    person = person_update(
        actor=city_user, person=person, data={"mobile": "13712345678"}, expected_version=1
    )
    raw = raw_rows("people_person")[0]
    assert raw["id_number"].startswith(pii.keyring().current + "$")
    assert person.history.count() == 2
    assert {h.mobile for h in person.history.all()} == {"13912345678", "13712345678"}
    assert_nothing_readable(person.id_number, "13912345678", "13712345678")
    # The reversed plaintext ID is gone.
    assert "id_number_reversed" not in raw


def test_it_masks_identifiers_in_the_audit_of_an_edit(client_for, xingning_user, make_person):
    person = make_person("张三", mobile="13912345678")
    response = client_for(xingning_user).post(
        reverse("people:edit", args=[person.pk]), form_data(person, mobile="13712345678")
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).get()
    assert entry.changes["mobile"] == ["139****5678", "137****5678"]
    assert_nothing_readable(person.id_number, "13912345678", "13712345678")


# --- lookups --------------------------------------------------------------------


def test_it_finds_by_id_suffix_and_mobile_through_the_list_page(
    client_for, xingning_user, make_person, regions
):
    person = make_person("王小二", id_number=id_ending_in_x(), mobile="15077778888")
    make_person("李四", mobile="15077779999")
    other = make_person("赵五", region=regions["qingxiu"], mobile="15077778888")
    client = client_for(xingning_user)
    for query in [person.id_number, person.id_number[-4:], person.id_number[-6:].lower(),
                  person.id_number[-8:], "15077778888"]:  # fmt: skip
        page = client.get(reverse("people:list"), {"q": query}).content.decode()
        assert "王小二" in page, query
        assert "李四" not in page and "赵五" not in page, query  # another region stays hidden
    assert_findable(person)
    assert_findable(other)


def test_it_tells_same_last_four_apart_by_the_longer_suffix(make_person):
    a = make_person("甲", id_number="45010219850601001X")
    b = make_person("乙", id_number="45010219850602001X")
    assert found("001X") == {a.pk, b.pk}
    assert found("01001X") == {a.pk}
    assert found("02001X") == {b.pk}
    assert found("9001X") == set()


def test_it_refuses_a_duplicate_id_in_the_form_and_in_the_database(
    client_for, city_user, make_person, regions
):
    existing = make_person("张三")
    data = form_data(region=regions["xingning"].pk, id_number=existing.id_number.lower())
    data["birth_date"] = existing.birth_date.isoformat()
    response = client_for(city_user).post(reverse("people:create"), data)
    assert "该公民身份号码已登记，不能重复登记。" in response.content.decode()
    assert Person.objects.count() == 1
    duplicate = unsaved_person("李四", regions["xingning"], mobile="")
    duplicate.id_number = existing.id_number
    duplicate.id_number_hash = pii.id_number_hash(existing.id_number)
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_it_refuses_lookups_on_the_ciphertext_column():
    with pytest.raises(Exception, match="keyed hash"):
        Person.objects.filter(id_number="450102198506010011").exists()


def test_it_finds_bulk_inserted_persons(regions, city_user):
    persons = [
        unsaved_person(f"钱{chr(0x4E00 + i)}", regions["xingning"], mobile=f"1390000{i:04d}")
        for i in range(6)
    ]
    persons_bulk_insert(persons, actor=city_user, reason="测试")
    for person in persons:
        assert_findable(Person.objects.get(pk=person.pk))
    assert Person.history.model.objects.count() == 6
    assert_nothing_readable(*(p.id_number for p in persons), *(p.mobile for p in persons))


def test_it_finds_imported_persons_and_keeps_undo_data_encrypted(tmp_path, city_user):
    number = id_ending_in_x()
    row = roster_row(1, "孙六", 身份证号=number, 手机="13911112222")
    import_file(actor=city_user, path=write_xlsx(tmp_path / "a.xlsx", [row]), commit=True)
    person = Person.objects.get()
    assert person.mobile == "13911112222"
    assert_findable(person)
    # The same ID again is recognised (by its hash) and updated, not added.
    row = roster_row(1, "孙六", 身份证号=number.lower(), 手机="13933334444")
    result = import_file(
        actor=city_user,
        path=write_xlsx(tmp_path / "b.xlsx", [row]),
        commit=True,
        on_duplicate="update",
    )
    assert result.analysis.counts["updated"] == 1
    assert Person.objects.get().mobile == "13933334444"
    assert found("13933334444") == {person.pk} and found("13911112222") == set()
    record = ImportedRecord.objects.get(action=ImportedRecord.Action.UPDATED)
    assert record.previous["mobile"].startswith(pii.keyring().current + "$")
    assert_nothing_readable(number, "13911112222", "13933334444")
    import_batch_undo(actor=city_user, batch=result.batch)
    assert Person.objects.get().mobile == "13911112222"
    assert found("13911112222") == {person.pk}


# --- rotation -------------------------------------------------------------------


def test_it_rotates_and_retires_keys_while_lookups_keep_working(
    make_person, regions, city_user, tmp_path
):
    people = [make_person(f"周{i}", mobile=f"1380000{i:04d}") for i in range(5)]
    people.append(make_person("吴七", id_number=id_ending_in_x(), mobile="13566667777"))
    persons_bulk_insert(
        [unsaved_person("郑八", regions["qingxiu"], mobile="13655556666")], reason="测试"
    )
    row = roster_row(1, "冯九", 手机="13744445555")
    import_file(actor=city_user, path=write_xlsx(tmp_path / "a.xlsx", [row]), commit=True)
    old = pii.keyring().current
    people = list(Person.objects.all())

    call_command("pii_rotate_key", "--batch-size", "3")

    new = pii.keyring().current
    assert new != old and set(pii.keyring().keys) == {old, new}
    assert pii_rotation.key_usage() == {new: pii_rotation.key_usage()[new]}
    for person in people:
        again = Person.objects.get(pk=person.pk)
        assert (again.id_number, again.mobile) == (person.id_number, person.mobile)
        assert_findable(again)
    assert {h.id_number for h in Person.history.model.objects.all()} == {
        p.id_number for p in people
    }
    entry = AuditEntry.objects.get(object_type="pii_key")
    assert entry.changes["reencrypted"]["people_person"] == 2 * len(people)
    assert entry.changes["current_key"] == new

    call_command("pii_rotate_key", "--retire")

    assert set(pii.keyring().keys) == {new}
    for person in people:
        assert_findable(Person.objects.get(pk=person.pk))
    assert AuditEntry.objects.filter(object_type="pii_key").count() == 2
    assert_nothing_readable(*(p.id_number for p in people), "13566667777")


def test_it_refuses_to_retire_a_key_still_in_use(make_person):
    make_person("张三")
    old = pii.keyring().current
    pii_rotation.add_key()  # a rotation interrupted before re-encrypting anything
    with pytest.raises(CommandError, match="仍在使用"):
        call_command("pii_rotate_key", "--retire", old)
    with pytest.raises(CommandError, match="当前密钥"):
        call_command("pii_rotate_key", "--retire", pii.keyring().current)
    call_command("pii_rotate_key", "--retire")  # retires nothing that is in use
    assert old in pii.keyring().keys
    call_command("pii_rotate_key", "--no-new-key")
    call_command("pii_rotate_key", "--retire", old)
    assert old not in pii.keyring().keys
    assert Person.objects.get().name == "张三"


def test_it_reads_every_row_in_the_middle_of_a_rotation(make_person, regions, city_user):
    people = [make_person(f"陈{i}", mobile=f"1370000{i:04d}") for i in range(7)]
    old = pii.keyring().current
    new = pii_rotation.add_key()
    seen_mixed = []

    def read_between_batches(table, count):
        if table != "people_person":
            return
        in_use = pii_rotation.key_usage()
        seen_mixed.append(old in in_use and new in in_use)
        # A reader that loaded the keys before the rotation (another process).
        stale = pii.Keyring.build(
            current=old, keys={old: pii.keyring().keys[old]},
            index_key=pii.keyring().index_key, source="stale",
        )  # fmt: skip
        pii._cache["ring"] = stale
        for person in people:
            again = Person.objects.get(pk=person.pk)
            assert (again.id_number, again.mobile) == (person.id_number, person.mobile)
            assert found(person.id_number[-4:]) >= {person.pk}

    pii_rotation.reencrypt_all(batch_size=2, progress=read_between_batches)
    assert any(seen_mixed)
    assert set(pii_rotation.key_usage()) == {new}


def test_it_will_not_rotate_a_key_from_the_environment(settings):
    settings.PII_KEY = base64.urlsafe_b64encode(os.urandom(32)).decode()
    with pytest.raises(CommandError, match="无法轮换"):
        call_command("pii_rotate_key")


# --- keys -------------------------------------------------------------------------


def test_it_creates_the_key_file_readable_only_by_its_owner(settings, tmp_path):
    settings.PII_KEY_FILE = str(tmp_path / "keys" / "pii.json")
    ring = pii.keyring()
    path = tmp_path / "keys" / "pii.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text())
    assert data["current"] == ring.current and set(data["keys"]) == {ring.current}


def test_it_says_clearly_when_the_key_is_missing_or_wrong(make_person, settings, tmp_path):
    person = make_person("张三")
    settings.PII_KEY_FILE = str(tmp_path / "lost.json")  # a new key file, a new key
    with pytest.raises(pii.PIIKeyError, match="不在 .*lost.json 中"):
        Person.objects.get(pk=person.pk)
    settings.PII_KEY = base64.urlsafe_b64encode(os.urandom(32)).decode()
    with pytest.raises(pii.PIIKeyError, match="不在 TONGXIN_PII_KEY 中"):
        Person.objects.get(pk=person.pk)
    settings.PII_KEY = "too-short"
    with pytest.raises(pii.PIIKeyError, match="TONGXIN_PII_KEY"):
        Person.objects.get(pk=person.pk)


def test_it_detects_an_altered_ciphertext(make_person):
    make_person("张三")
    stored = raw_rows("people_person")[0]["id_number"]
    key_id, _, payload = stored.partition("$")
    raw = bytearray(base64.b64decode(payload))
    raw[-1] ^= 1
    with connection.cursor() as cursor:
        altered = key_id + "$" + base64.b64encode(bytes(raw)).decode()
        cursor.execute("UPDATE people_person SET id_number = %s", [altered])
    with pytest.raises(pii.PIIKeyError, match="校验失败"):
        Person.objects.get()


def test_it_works_with_a_key_from_the_environment(settings, regions):
    settings.PII_KEY = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
    person = person_create(
        actor=None,
        data={
            "name": "张三",
            "sex": "M",
            "birth_date": datetime.date(1985, 6, 1),
            "id_number": make_id_number(),
            "mobile": "13800138000",
            "ethnicity": Ethnicity.objects.get(name="汉族"),
            "political_status": PoliticalStatus.objects.get(name="群众"),
            "group": PersonGroup.objects.get(sort_order=1),
            "region": regions["xingning"],
        },
    )
    assert raw_rows("people_person")[0]["id_number"].startswith("e")
    assert_findable(Person.objects.get(pk=person.pk))


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.text(max_size=60), st.sampled_from(["id_number", "mobile"]))
def test_encryption_round_trips_and_never_repeats(value, purpose):
    ring = pii.Keyring.build(
        current="k1", keys={"k1": bytes(32)}, index_key=bytes(range(32)), source="test"
    )
    first = pii.encrypt(value, purpose, ring=ring)
    assert pii.decrypt(first, purpose, ring=ring) == value
    if value:
        assert pii.encrypt(value, purpose, ring=ring) != first
        other = "mobile" if purpose == "id_number" else "id_number"
        with pytest.raises(pii.PIIKeyError):
            pii.decrypt(first, other, ring=ring)  # bound to its column
        assert pii.blind_index(value, purpose, ring=ring) == pii.blind_index(
            value, purpose, ring=ring
        )


# --- migration ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_encrypts_existing_rows(regions):
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("people", "0006_structure_cube_index")])
    number, mobile = make_id_number(), "13812345678"
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM people_ethnicity LIMIT 1")
        ethnicity = cursor.fetchone()[0]
        cursor.execute("SELECT id FROM people_politicalstatus LIMIT 1")
        political = cursor.fetchone()[0]
        cursor.execute("SELECT id FROM people_persongroup LIMIT 1")
        group = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO people_person (name, sex, ethnicity_id, birth_date, native_place, "
            "id_number, political_status_id, school, major, employer, job_title, "
            "professional_title, mobile, email, address, region_id, photo, group_id, "
            "freelance_field, level, resume, achievements, public_welfare, recommender, "
            "department_opinion, remarks, status, archived_reason, archived_note, name_pinyin, "
            "name_initials, id_number_reversed, search_tokens, version, created_at, updated_at) "
            "VALUES ('张三', 'M', %s, '1985-06-01', '', %s, %s, '', '', '', '', '', %s, '', '', "
            "%s, '', %s, '', 'county', '', '', '', '', '', '', 'active', '', '', 'zhangsan', "
            "'zs', %s, '张 三 张三', 1, '2026-01-01', '2026-01-01')",
            [ethnicity, number, political, mobile, regions["xingning"].pk, group, number[::-1]],
        )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    person = Person.objects.get()
    assert (person.id_number, person.mobile) == (number, mobile)
    assert_nothing_readable(number, mobile)
    assert_findable(person)
