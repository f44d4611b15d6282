"""Value parsers: dates, headers, dictionary synonyms (with hypothesis)."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tongxin.imports.parsing import (
    Lookup,
    ValueProblem,
    cell_text,
    column_letter,
    field_for_header,
    find_header,
    parse_date,
    parse_sex,
    suggest_mapping,
)

dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2099, 12, 31))


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@given(dates)
def test_every_written_form_of_a_date_reads_back(d):
    forms = [
        f"{d:%Y-%m-%d}",
        f"{d.year}/{d.month}/{d.day}",
        f"{d:%Y.%m.%d}",
        f"{d.year}年{d.month}月{d.day}日",
        f"{d:%Y%m%d}",
        full_width(f"{d:%Y-%m-%d}"),
        f" {d:%Y-%m-%d} 00:00:00 ",
        d,
        datetime.datetime.combine(d, datetime.time()),
        int(f"{d:%Y%m%d}"),
        float((d - datetime.date(1899, 12, 30)).days),  # an Excel serial in a general cell
    ]
    for form in forms:
        assert parse_date(form) == d, form


@given(dates)
def test_year_and_month_read_as_the_first_of_the_month(d):
    first = d.replace(day=1)
    for form in (f"{d:%Y.%m}", f"{d.year}年{d.month}月", f"{d.year}-{d.month}"):
        assert parse_date(form) == first, form
    if d.month != 10 and d.month != 1:
        assert parse_date(float(f"{d:%Y.%m}")) == first


def test_a_number_cell_1985_1_is_ambiguous():
    with pytest.raises(ValueProblem, match="不能确定是1月还是10月"):
        parse_date(1985.1)
    assert parse_date(1985.01) == datetime.date(1985, 1, 1)
    assert parse_date(1985.11) == datetime.date(1985, 11, 1)
    assert parse_date("1985.10") == datetime.date(1985, 10, 1)


@pytest.mark.parametrize("text", ["1985-02-30", "明年", "85.6.1", "1985-13"])
def test_it_refuses_what_is_not_a_date_by_name(text):
    with pytest.raises(ValueProblem) as problem:
        parse_date(text)
    assert "出生日期" in problem.value.message and text in problem.value.message


def test_empty_cells_are_no_date():
    assert parse_date("") is None and parse_date(None) is None and parse_date("  ") is None


names = st.text(alphabet="本科大专硕士研究生汉壮族党员群众", min_size=1, max_size=6)


@given(
    st.lists(
        st.tuples(names, st.lists(names, max_size=3)),
        min_size=1,
        max_size=6,
        unique_by=lambda e: e[0],
    ),
    st.sampled_from([" ", "　", "\t", ""]),
    st.sampled_from(["、", ",", "，"]),
)
def test_synonyms_find_their_entry_whatever_the_spacing(entries, space, separator):
    lookup = Lookup((name, name, separator.join(syns)) for name, syns in entries)
    for name, synonyms in entries:
        # A name always finds its own entry (names win over other entries' synonyms).
        assert lookup.get(f"{space}{name}{space}") == name
        for synonym in synonyms:
            found = lookup.get(synonym + space)
            assert found is not None
            # It is this entry unless an earlier entry or a name claimed the same text.
            claimants = [n for n, s in entries if n == synonym] or [
                n for n, s in entries if synonym in s
            ]
            assert found == claimants[0]


def test_seeded_synonyms_read_as_the_standard_names():
    lookup = Lookup(
        [("大学本科", "大学本科", "本科、大本"), ("大学专科", "大学专科", "大专、专科、高职")]
    )
    assert lookup.get("本科") == "大学本科"
    assert lookup.get("大专  ") == "大学专科"
    assert lookup.get("ＡＢ") is None


@pytest.mark.parametrize(
    "header, field",
    [
        ("姓名", "name"),
        ("名 字", "name"),
        ("身份证号码", "id_number"),
        ("公民身份号码(18位)*", "id_number"),
        ("公民身份号码（18位）", "id_number"),
        ("手机号码", "mobile"),
        ("联系电话：", "mobile"),
        ("出生年月", "birth_date"),
        ("所属群体", "group"),
        ("群体类别", "group"),
        ("人员类别", "group"),
        ("所在县区", "region"),
        ("所属区域", "region"),
        ("Ｅｍａｉｌ", "email"),
        ("序号", "ignore"),
        ("爱好", None),
    ],
)
def test_header_variants(header, field):
    assert field_for_header(header) == field


def test_the_header_is_found_below_titles_and_blank_rows():
    rows = [["兴宁区代表人士名单"], [], ["填表日期：2026年"], ["序号", "姓名", "身份证号"], [1]]
    index, seen = find_header(iter(rows))
    assert index == 3
    assert suggest_mapping(seen[index]) == {1: "name", 2: "id_number"}


def test_no_header_is_reported_as_minus_one():
    assert find_header(iter([["a", "b"], ["c"]]))[0] == -1


def test_cells_read_as_typed():
    assert cell_text(13800138000.0) == "13800138000"
    assert cell_text(datetime.datetime(1985, 6, 1)) == "1985-06-01"
    assert cell_text(None) == ""
    assert column_letter(0) == "A" and column_letter(26) == "AA"


def test_sex_words():
    assert parse_sex("男") == "M" and parse_sex(" 女性 ") == "F" and parse_sex("") == ""
    with pytest.raises(ValueProblem, match="性别“未知”无法识别"):
        parse_sex("未知")
