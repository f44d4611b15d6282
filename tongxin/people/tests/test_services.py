import datetime

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from tongxin.conftest import make_id_number
from tongxin.core.bulk import QueryWhileSending
from tongxin.people.models import Ethnicity, Person, PersonGroup, PoliticalStatus
from tongxin.people.search import derived_fields, search_persons
from tongxin.people.services import (
    StaleEditError,
    person_archive,
    person_update,
    persons_bulk_insert,
)

pytestmark = pytest.mark.django_db


def unsaved(name: str, region) -> Person:
    id_number = make_id_number(region.code, datetime.date(1980, 1, 2), "F")
    person = Person(
        name=name,
        sex="F",
        birth_date=datetime.date(1980, 1, 2),
        id_number=id_number,
        ethnicity=Ethnicity.objects.get(name="汉族"),
        political_status=PoliticalStatus.objects.get(name="群众"),
        group=PersonGroup.objects.get(sort_order=2),
        region=region,
    )
    for field, value in derived_fields(name=name, id_number=id_number).items():
        setattr(person, field, value)
    return person


def test_it_writes_history_for_bulk_inserts(regions, city_user):
    count = persons_bulk_insert(
        [unsaved(f"赵{chr(0x4E00 + i)}", regions["xingning"]) for i in range(12)],
        actor=city_user,
        reason="导入测试",
        batch_size=5,
    )
    assert count == 12 == Person.objects.count()
    history = Person.history.model.objects.all()
    assert history.count() == 12
    assert set(history.values_list("history_change_reason", flat=True)) == {"导入测试"}
    assert set(history.values_list("history_type", flat=True)) == {"+"}
    assert set(history.values_list("history_user_id", flat=True)) == {city_user.pk}
    assert {h.id for h in history} == set(Person.objects.values_list("id", flat=True))
    # bulk rows are searchable at once (the index follows the table)
    assert search_persons(Person.objects.all(), "赵").queryset.count() == 12
    assert search_persons(Person.objects.all(), "zhao").queryset.count() == 12


def test_it_makes_each_person_of_a_generator_only_when_it_is_written(regions, city_user):
    prepared = [unsaved(f"钱{chr(0x4E00 + i)}", regions["xingning"]) for i in range(5)]
    made, batches = [], []

    def persons():
        for person in prepared:
            # every person made before has already gone to the database
            assert all(not p._state.adding for p in made)
            made.append(person)
            yield person

    def after_batch(batch):
        # the persons of later batches are not made yet; these have their keys
        batches.append((len(made), [p.pk for p in batch]))

    count = persons_bulk_insert(
        persons(), count=5, actor=city_user, reason="导入", batch_size=2, after_batch=after_batch
    )
    assert count == 5
    assert [(n, len(pks)) for n, pks in batches] == [(2, 2), (4, 2), (5, 1)]
    ids = [pk for _, pks in batches for pk in pks]
    assert sorted(ids) == sorted(Person.objects.values_list("id", flat=True))
    assert set(Person.history.values_list("id", flat=True)) == set(ids)


def _plain_person_indexes() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
            "AND tbl_name = 'people_person' AND sql IS NOT NULL ORDER BY name"
        )
        return cursor.fetchall()


sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's index rebuild")


@sqlite_only
def test_a_first_roster_builds_the_person_indexes_once_after_its_rows(regions, city_user):
    before = _plain_person_indexes()
    assert len(before) >= 20
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        cache_size = cursor.fetchone()[0]
    persons = [unsaved(f"孙{chr(0x4E00 + i)}", regions["xingning"]) for i in range(6)]
    with CaptureQueriesContext(connection) as queries:
        persons_bulk_insert(
            persons,
            actor=city_user,
            reason="导入",
            batch_size=4,
        )
    statements = [q["sql"] for q in queries.captured_queries]
    dropped = [sql for sql in statements if sql.startswith("DROP INDEX")]
    built = [sql for sql in statements if sql.startswith("CREATE INDEX")]
    assert len(dropped) == len(before) == len(built)  # once each, not once per batch
    assert _plain_person_indexes() == before
    # a small page cache while the rows went in; the connection's own after
    assert "PRAGMA cache_size = -8192" in statements
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        assert cursor.fetchone()[0] == cache_size != -8192
    # the unique resident-ID index stayed and still refuses a second insert of a person
    assert not any("UNIQUE" in sql for sql in built)
    again = unsaved("孙一", regions["xingning"])
    again.id_number = persons[0].id_number
    for field, value in derived_fields(name="孙一", id_number=again.id_number).items():
        setattr(again, field, value)
    with pytest.raises(IntegrityError):
        persons_bulk_insert([again], actor=city_user, reason="导入")
    assert search_persons(Person.objects.all(), "孙").queryset.count() == 6


@sqlite_only
def test_rows_added_to_a_larger_table_are_filed_into_its_indexes_as_they_go(
    regions, city_user, make_person
):
    for i in range(3):
        make_person(name=f"李{chr(0x4E00 + i)}", region=regions["xingning"])
    with CaptureQueriesContext(connection) as queries:
        persons_bulk_insert(
            [unsaved(f"孙{chr(0x4E00 + i)}", regions["xingning"]) for i in range(2)],
            actor=city_user,
            reason="导入",
        )
    assert not any("INDEX" in q["sql"] for q in queries.captured_queries)
    assert Person.objects.count() == 5


def test_it_refuses_a_generator_longer_than_its_count(regions, city_user):
    persons = [unsaved(f"周{chr(0x4E00 + i)}", regions["xingning"]) for i in range(3)]
    with pytest.raises(ValueError, match="count=2"):
        persons_bulk_insert(iter(persons), count=2, actor=city_user, reason="导入")
    assert Person.objects.count() == 0 and Person.history.count() == 0
    if connection.vendor == "sqlite":  # the indexes dropped for the rows are back
        assert len(_plain_person_indexes()) >= 20


def test_a_generator_that_queries_while_rows_are_sent_is_refused(regions, city_user):
    # On PostgreSQL such a query would wait for the COPY holding the connection
    # for ever; it is refused on both databases, and nothing is written.
    def persons():
        for i in range(3):
            yield unsaved(f"吴{chr(0x4E00 + i)}", regions["xingning"])  # reads dictionaries

    with pytest.raises(QueryWhileSending, match="fetch what it needs"):
        persons_bulk_insert(persons(), count=3, actor=city_user, reason="导入")
    assert Person.objects.count() == 0 and Person.history.count() == 0


def test_it_keeps_indexing_single_writes_after_a_bulk_insert(regions, city_user, make_person):
    persons_bulk_insert([unsaved("钱一", regions["xingning"])], actor=city_user, reason="导入")
    make_person("钱二")  # written row by row, after the bulk path suspended the FTS trigger
    assert search_persons(Person.objects.all(), "钱").queryset.count() == 2


def test_it_leaves_nothing_behind_when_a_bulk_insert_fails(regions, city_user, make_person):
    existing = make_person("孙一")
    clash = unsaved("孙二", regions["xingning"])
    clash.id_number = existing.id_number  # violates the unique ID in the second batch
    clash.id_number_hash = existing.id_number_hash  # (uniqueness is kept on the keyed hash)
    batch = [unsaved(f"孙{chr(0x4E00 + i)}", regions["xingning"]) for i in range(3)] + [clash]
    with pytest.raises(IntegrityError):
        persons_bulk_insert(batch, actor=city_user, reason="导入", batch_size=2)
    assert list(Person.objects.values_list("name", flat=True)) == ["孙一"]
    assert Person.history.count() == 1
    make_person("孙三")  # the insert trigger is back
    assert search_persons(Person.objects.all(), "孙").queryset.count() == 2


def test_it_never_reuses_the_id_of_a_removed_person(regions, city_user):
    first = unsaved("李一", regions["xingning"])
    persons_bulk_insert([first], actor=city_user, reason="导入")
    Person.objects.filter(pk=first.pk)._raw_delete(Person.objects.db)
    second = unsaved("李二", regions["xingning"])
    second.id_number = make_id_number("450103", datetime.date(1981, 3, 4), "M")
    persons_bulk_insert([second], actor=city_user, reason="导入")
    assert second.pk > first.pk
    assert Person.history.filter(id=second.pk).get().name == "李二"


def test_it_refuses_a_stale_update_naming_the_changed_fields(make_person, city_user, xingning_user):
    person = make_person("张三", employer="甲公司")
    person_update(actor=city_user, person=person, data={"employer": "乙公司"}, expected_version=1)
    with pytest.raises(StaleEditError) as info:
        person_update(
            actor=xingning_user, person=person, data={"job_title": "经理"}, expected_version=1
        )
    assert [(c.label, c.old, c.new) for c in info.value.changes] == [
        ("工作单位", "甲公司", "乙公司")
    ]
    person.refresh_from_db()
    assert person.job_title == "" and person.version == 2


def test_it_refuses_a_stale_archive(make_person, city_user):
    person = make_person("张三")
    person_update(actor=city_user, person=person, data={"employer": "乙公司"}, expected_version=1)
    with pytest.raises(StaleEditError):
        person_archive(
            actor=city_user,
            person=person,
            reason="died",
            on_date=datetime.date(2026, 1, 1),
            expected_version=1,
        )
    person.refresh_from_db()
    assert person.status == Person.Status.ACTIVE


def test_it_masks_identifiers_in_history(make_person, city_user):
    from tongxin.people.history import person_history

    person = make_person("张三", mobile="13800138000")
    person_update(
        actor=city_user, person=person, data={"mobile": "13900139000"}, expected_version=1
    )
    change = person_history(person)[0].changes[0]
    assert (change.old, change.new) == ("138****8000", "139****9000")


@given(
    date=st.one_of(st.none(), st.dates()),
    photo=st.one_of(st.just(""), st.text(alphabet="abc/._-照片", max_size=30)),
)
def test_bulk_inserts_write_dates_and_files_as_django_would(date, photo):
    """core.bulk's short cuts for a person row's dates and file names give
    the database value Django's own preparation gives."""
    from django.db import connections

    from tongxin.core.bulk import _converter

    db = connections["default"]
    for name, value in (("birth_date", date), ("archived_on", date), ("photo", photo)):
        field = Person._meta.get_field(name)
        assert _converter(field, db)(value) == field.get_db_prep_save(value, db)
