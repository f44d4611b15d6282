import datetime

import pytest
from django.db import connection
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from pypinyin import Style, lazy_pinyin

from tongxin.people import search
from tongxin.people.demo import GIVEN_EITHER, GIVEN_FEMALE, GIVEN_MALE, SURNAMES
from tongxin.people.models import Person
from tongxin.people.search import name_pinyin_fields, name_tokens, search_persons

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_person, regions):
    return {
        "zhangsan": make_person("张三", mobile="13912345678"),
        "zhangsanfeng": make_person("张三丰", mobile="13712345678"),
        "lisi": make_person("李四", mobile="15011112222"),
        "zeng": make_person("曾小明", mobile="18677776666"),
        "ouyang": make_person("欧阳娜娜", mobile="18899990000"),
        "other_region": make_person("张三", region=regions["qingxiu"], mobile="13500000000"),
    }


def names(qs) -> set[str]:
    return {p.name for p in qs}


def found(query: str) -> list[Person]:
    return list(search_persons(Person.objects.all(), query).queryset)


def test_it_finds_a_full_chinese_name(people):
    assert {p.pk for p in found("张三")} == {
        people["zhangsan"].pk,
        people["zhangsanfeng"].pk,
        people["other_region"].pk,
    }


def test_it_finds_a_partial_chinese_name(people):
    assert names(found("三丰")) == {"张三丰"}
    assert names(found("娜")) == {"欧阳娜娜"}
    assert names(found("阳娜娜")) == {"欧阳娜娜"}
    assert names(found("张三丰")) == {"张三丰"}
    assert found("张丰") == []  # characters not adjacent in any name


def test_it_finds_three_characters_only_when_contiguous(make_person):
    make_person("王小明")
    make_person("小明王")  # has the pairs 小明 and 明王 but not 王小
    assert names(found("王小明")) == {"王小明"}


def test_it_finds_full_pinyin_and_initials(people):
    assert names(found("zhangsan")) == {"张三", "张三丰"}
    assert names(found("zhangsanfeng")) == {"张三丰"}
    assert names(found("ZS")) == {"张三", "张三丰"}  # initials match as a prefix
    assert names(found("zsf")) == {"张三丰"}
    assert names(found("lisi")) == {"李四"}


def test_it_reads_surnames_correctly(people):
    assert names(found("zengxiaoming")) == {"曾小明"}
    assert names(found("zxm")) == {"曾小明"}
    assert names(found("ouyang")) == {"欧阳娜娜"}


def test_it_finds_an_id_by_full_number_and_suffix(people):
    person = people["lisi"]
    assert [p.pk for p in found(person.id_number)] == [person.pk]
    assert [p.pk for p in found(person.id_number.lower())] == [person.pk]
    assert person.pk in {p.pk for p in found(person.id_number[-6:])}
    assert person.pk in {p.pk for p in found(person.id_number[-4:])}
    # full-width digits and spaces from a pasted number
    spaced = " ".join(person.id_number[i : i + 6] for i in range(0, 18, 6))
    assert [p.pk for p in found(spaced)] == [person.pk]


def test_it_finds_a_mobile(people):
    assert [p.pk for p in found("15011112222")] == [people["lisi"].pk]
    assert [p.pk for p in found("150 1111 2222")] == [people["lisi"].pk]


def test_it_asks_for_at_least_four_digits(people):
    result = search_persons(Person.objects.all(), "123")
    assert list(result.queryset) == []
    assert "至少末4位" in result.hint


def test_it_searches_only_what_the_user_may_see(client_for, xingning_user, people):
    response = client_for(xingning_user).get(reverse("people:list"), {"q": "zs"})
    rows = response.context["page"].rows
    assert {p.pk for p in rows} == {people["zhangsan"].pk, people["zhangsanfeng"].pk}
    # a Qingxiu mobile number finds nothing for a Xingning user
    response = client_for(xingning_user).get(reverse("people:list"), {"q": "13500000000"})
    assert response.context["page"].rows == []


def test_it_keeps_the_index_in_step_with_renames_and_archives(make_person, city_user):
    from tongxin.people.services import person_update

    person = make_person("张三")
    person_update(actor=city_user, person=person, data={"name": "李五"}, expected_version=1)
    assert found("张三") == []
    assert names(found("李五")) == {"李五"}
    assert names(found("liwu")) == {"李五"}


@given(st.text(min_size=1, max_size=30))
def test_it_never_fails_on_arbitrary_queries(query):
    # Any text typed in the box gives a queryset (maybe empty), never an error.
    result = search_persons(Person.objects.all(), query)
    list(result.queryset[:5])


@given(
    st.text(
        alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=4
    )
)
def test_it_builds_tokens_for_every_substring_of_length_one_and_two(name):
    tokens = set(name_tokens(name).split())
    assert all(c in tokens for c in name)
    assert all(a + b in tokens for a, b in zip(name, name[1:], strict=False))
    full, initials = name_pinyin_fields(name)
    assert full.isascii() and initials.isascii()
    assert len(initials) <= len(name)


def test_it_paginates_by_keyset_without_gaps_or_repeats(client_for, city_user, make_person):
    for i in range(7):
        make_person(f"王{chr(0x4E00 + i)}", birth_date=datetime.date(1980 + i % 3, 1, 1))
    client = client_for(city_user)
    from django.test import override_settings

    seen = []
    with override_settings(PAGE_SIZE=3):
        params = {"sort": "age"}
        while True:
            response = client.get(reverse("people:list"), params)
            page = response.context["page"]
            seen += [p.pk for p in page.rows]
            if not page.next_cursor:
                break
            params = {"sort": "age", "after": page.next_cursor}
    assert len(seen) == 7 == len(set(seen))
    ages = [Person.objects.get(pk=pk).birth_date for pk in seen]
    assert ages == sorted(ages)


def test_it_counts_the_unfiltered_list_like_the_filtered_one(client_for, city_user, make_person):
    from tongxin.people.services import person_archive

    for i in range(3):
        make_person(f"陈{i}")
    person_archive(
        actor=city_user,
        person=make_person("陈九"),
        reason="died",
        on_date=datetime.date(2026, 1, 1),
    )
    client = client_for(city_user)
    assert client.get(reverse("people:list")).context["total"] == 3
    assert client.get(reverse("people:list"), {"status": "archived"}).context["total"] == 1
    assert client.get(reverse("people:list"), {"status": "all"}).context["total"] == 4


def test_it_restores_the_search_triggers_after_a_table_rebuild(make_person):
    from django.db import connection

    from tongxin.people.search_index import SQLITE_TRIGGERS, ensure_search_index

    if connection.vendor != "sqlite":
        assert ensure_search_index(connection) is False  # the GIN index is there
        return
    with connection.cursor() as cursor:
        for name in SQLITE_TRIGGERS:  # what a table rebuild by a migration does
            cursor.execute(f"DROP TRIGGER {name}")
    make_person("郑成功")  # written while the index is blind
    assert ensure_search_index(connection) is True
    assert names(found("成功")) == {"郑成功"}
    make_person("郑和")
    assert names(found("郑")) == {"郑成功", "郑和"}
    assert ensure_search_index(connection) is False


def test_it_works_as_a_nested_subquery(people):
    # Another app filters its rows by "person matches the search": Django then
    # renames people_person inside the subquery.
    matching = search_persons(Person.objects.all(), "张三").queryset
    nested = Person.objects.filter(pk__in=matching.values("pk"))
    assert {p.name for p in nested} == {"张三", "张三丰"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's GIN form")
def test_it_tests_the_name_tokens_on_the_person_row_itself(people):
    """PostgreSQL: the token condition is on the row the list reads (matching
    the GIN index's expression), not an `id IN (SELECT …)` that probes the
    status index once per match (docs/benchmarks.md, issue 2)."""
    from django.test.utils import CaptureQueriesContext

    matching = search_persons(Person.objects.filter(status=Person.Status.ACTIVE), "张").queryset
    with CaptureQueriesContext(connection) as queries:
        count = matching.count()
    sql = queries.captured_queries[-1]["sql"]
    assert "IN (SELECT" not in sql.upper()
    assert "string_to_array(\"people_person\".\"search_tokens\", ' ') @> '{张}'::text[]" in sql
    assert count == Person.objects.filter(status="active", name__contains="张").count() > 0


# Characters of real names (the demo's pools) and anything in the main CJK block.
_NAME_CHARS = st.one_of(
    st.sampled_from(
        [s for s, _ in SURNAMES] + list("".join(GIVEN_MALE + GIVEN_FEMALE + GIVEN_EITHER))
    ),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.sampled_from(list("长江重庆单于·Aa ")),
)


@settings(deadline=None, max_examples=500)
@given(st.lists(_NAME_CHARS, min_size=1, max_size=8).map("".join))
def test_it_reads_pinyin_a_word_at_a_time_exactly_as_pypinyin_reads_the_name(text):
    expected = [s.lower() for s in lazy_pinyin(text, style=Style.NORMAL, errors="ignore")]
    assert search._syllables(text) == expected


@pytest.mark.parametrize("broad_from", [1, 10**9])
@pytest.mark.parametrize("query", ["王", "王一", "wang", "wy"])
def test_it_lists_the_same_persons_however_a_broad_search_is_planned(
    client_for, city_user, make_person, monkeypatch, broad_from, query
):
    """Walking the list (many matches) and fetching the matches (few) agree."""
    from django.test import override_settings

    for i, char in enumerate("一二三一二"):
        make_person(f"王{char}", birth_date=datetime.date(1980 + i, 1, 1))
    make_person("李四")
    archived = make_person("王一")
    Person.objects.filter(pk=archived.pk).update(status=Person.Status.ARCHIVED)
    monkeypatch.setattr(search, "BROAD_MATCHES", broad_from)
    monkeypatch.setattr(search, "BROAD_COUNT", broad_from)
    expected = list(
        Person.objects.filter(status=Person.Status.ACTIVE, name__startswith="王")
        .filter(name__in=["王一"] if query in ("王一", "wy") else ["王一", "王二", "王三"])
        .order_by("-id")
        .values_list("pk", flat=True)
    )
    client = client_for(city_user)
    seen, params = [], {"q": query}
    with override_settings(PAGE_SIZE=2):
        while True:
            response = client.get(reverse("people:list"), params)
            assert response.context["total"] == len(expected)
            page = response.context["page"]
            seen += [p.pk for p in page.rows]
            if not page.next_cursor:
                break
            params = {"q": query, "after": page.next_cursor}
    assert seen == expected and archived.pk not in seen


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 id set")
def test_it_counts_a_broad_search_by_walking_the_scope_not_by_looking_up_each_match(
    client_for, city_user, make_person, monkeypatch
):
    """Each match looked up reads a table page of its own: from disk, with the
    table out of the OS cache, 0.1–0.2 ms a match (517 ms for 芳 at 1M)."""
    from django.test.utils import CaptureQueriesContext

    for char in "一二三":
        make_person(f"王{char}")
    make_person("李四")
    monkeypatch.setattr(search, "BROAD_COUNT", 2)
    with CaptureQueriesContext(connection) as queries:
        response = client_for(city_user).get(reverse("people:list"), {"q": "王"})
    assert response.context["total"] == 3
    [count] = [q["sql"] for q in queries.captured_queries if "__count" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {count}")
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "people_person" in plan and "INTEGER PRIMARY KEY" not in plan


def test_it_keeps_a_list_count_until_a_person_changes(
    client_for, city_user, xingning_user, make_person, regions
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_person("王一")
    make_person("王二", region=regions["qingxiu"])
    city = client_for(city_user)

    def count(client):
        with CaptureQueriesContext(connection) as queries:
            total = client.get(reverse("people:list"), {"q": "王"}).context["total"]
        return total, sum("__count" in q["sql"] for q in queries.captured_queries)

    assert count(city)[0] == 2
    assert count(city) == (2, 0)  # the next page view reuses it
    make_person("王三")
    assert count(city)[0] == 3  # any change to a person makes a new count
    # Another user's scope counts afresh (client_for logs the same client in again).
    assert count(client_for(xingning_user)) == (2, 1)


def test_it_describes_a_filter_in_words(regions):
    from tongxin.people.listing import PersonFilter

    described = PersonFilter.from_query(
        {"q": "王", "region": str(regions["xingning"].pk), "level": "county", "sex": "F",
         "age": "36-45", "on": "2026-01-01", "grade": "none", "status": "all"}
    ).description()  # fmt: skip
    assert described == (
        "查找：王；区域：兴宁区；分级：县区联系；状态：全部；性别：女；"
        "年龄：36-45岁（按2026-01-01计）；最近评价等次：无"
    )
