"""At entry: registering someone who looks registered already."""

import datetime

import pytest
from django.urls import reverse
from stdnum.cn.ric import calc_check_digit

from tongxin.conftest import make_id_number
from tongxin.people.models import Person
from tongxin.people.tests.test_person_views import form_data

pytestmark = pytest.mark.django_db


def _post(client, **overrides):
    data = form_data(**{"mobile": "13912345678", **overrides})
    return client.post(reverse("people:create"), data)


def test_it_warns_with_the_visible_match_and_saves_nothing(
    client_for, xingning_user, make_person, regions
):
    known = make_person(
        "李明",
        birth_date=datetime.date(1985, 6, 1),
        mobile="13700000001",
        id_number=make_id_number("450205", datetime.date(1985, 6, 1)),
    )
    client = client_for(xingning_user)
    response = _post(client, region=regions["xingning"].pk)
    assert response.status_code == 200
    page = response.content.decode()
    assert "可能已登记" in page
    assert reverse("people:detail", args=[known.pk]) in page
    assert "姓名（或拼音）与出生日期相同" in page
    assert Person.objects.count() == 1


def test_it_says_only_elsewhere_for_a_match_outside_the_scope(
    client_for, xingning_user, make_person, regions
):
    other = make_person(
        "黎明",
        region=regions["qingxiu"],
        birth_date=datetime.date(1985, 6, 1),
        mobile="13700000002",
    )
    client = client_for(xingning_user)
    page = _post(client, region=regions["xingning"].pk).content.decode()
    assert "可能已在其他区域登记" in page
    assert "黎明" not in page
    assert reverse("people:detail", args=[other.pk]) not in page
    assert "青秀区" not in page
    assert Person.objects.count() == 1


def test_it_registers_once_the_user_confirms(client_for, xingning_user, make_person, regions):
    make_person("李明", birth_date=datetime.date(1985, 6, 1), mobile="13700000003")
    client = client_for(xingning_user)
    response = _post(client, region=regions["xingning"].pk, confirm_possible_duplicate="1")
    assert response.status_code == 302
    assert Person.objects.filter(name="李明").count() == 2


def test_it_warns_of_an_id_one_digit_off(client_for, xingning_user, make_person, regions):
    number = make_id_number("450102", datetime.date(1990, 1, 1), "F")
    known = make_person("韦丽", birth_date=datetime.date(1990, 1, 1), sex="F", id_number=number)
    typo = number[:14] + str((int(number[14]) + 1) % 10) + number[15:17]
    typo += calc_check_digit(typo + "0")
    client = client_for(xingning_user)
    page = _post(
        client,
        region=regions["xingning"].pk,
        name="韦丽",
        sex="F",
        birth_date="1990-01-01",
        id_number=typo,
        mobile="13700000004",
    ).content.decode()
    assert reverse("people:detail", args=[known.pk]) in page
    assert "公民身份号码仅差一位且姓名相同" in page


def test_it_does_not_warn_for_someone_new(client_for, xingning_user, make_person, regions):
    make_person("王五", birth_date=datetime.date(1970, 1, 1), mobile="13700000005")
    client = client_for(xingning_user)
    response = _post(client, region=regions["xingning"].pk)
    assert response.status_code == 302


def test_it_warns_on_import_rows_inside_and_outside_the_scope(
    tmp_path, xingning_user, make_person, regions
):
    from tongxin.imports.committing import import_file
    from tongxin.imports.tests.rosters import roster_row, write_xlsx

    make_person("蓝天", mobile="13600000001")
    make_person("白云", region=regions["qingxiu"], mobile="13600000002")
    path = write_xlsx(
        tmp_path / "名单.xlsx",
        [
            roster_row(1, "蓝田", 手机="13600000001"),
            roster_row(2, "白芸", 手机="13600000002"),
            roster_row(3, "新人", 手机="13600000003", 工作单位="别处"),
        ],
    )
    analysis = import_file(actor=xingning_user, path=path).analysis
    warnings = {r.row_number: [m for _, m in r.warnings] for r in analysis.results}
    first, second, third = sorted(warnings)
    # 蓝田 reads lantian like 蓝天: the homophone rule comes before the mobile one.
    assert warnings[first] == ["可能已登记：蓝天（兴宁区，姓名（或拼音）与出生日期相同）"]
    assert warnings[second] == ["可能已在其他区域登记"]
    assert warnings[third] == []
    assert Person.objects.count() == 2


def test_import_rows_find_their_match_in_every_chunk_of_keys(xingning_user, make_person):
    """Over 300 distinct keys a block is looked up in several chunks; a match
    in any of them is found (the keys asked were once those of a query's last
    chunk only, so most matches of a large import went unnoticed)."""
    from tongxin.dedupe.entry import matches_for_many

    registered = {"蓝天": "13600000001", "白云": "13600000002", "青山": "13600000003",
                  "绿水": "13600000004", "红花": "13600000005"}  # fmt: skip
    for name, mobile in registered.items():
        make_person(name, mobile=mobile)
    rows = [{"name": f"新{chr(0x4E00 + i)}{chr(0x4F00 + i)}", "mobile": f"137{i:08d}"}
            for i in range(700)]  # fmt: skip
    positions = [0, 170, 340, 510, 699]
    for position, (name, mobile) in zip(positions, registered.items(), strict=True):
        rows[position] = {"name": name, "mobile": mobile}
    found = matches_for_many(xingning_user, rows)
    assert [p for p, matches in enumerate(found) if matches] == positions
    assert [found[p][0].person.name for p in positions] == list(registered)


def test_with_no_keys_made_yet_no_row_is_keyed_or_looked_up(
    xingning_user, make_person, monkeypatch, django_assert_num_queries
):
    """An office's first roster: with nobody keyed there is nobody to find,
    so no row's keys are made (keys_refresh keys persons inserted in bulk)."""
    from tongxin.dedupe import entry
    from tongxin.dedupe.models import PersonKey

    make_person("蓝天", mobile="13600000001")
    keyed = PersonKey.objects.count()
    rows = [{"name": "蓝天", "mobile": "13600000001"}, {"name": "新人", "mobile": "13700000002"}]
    PersonKey.objects.all().delete()

    def made(*args, **kwargs):
        raise AssertionError("a row's keys were made with no one to compare them with")

    with monkeypatch.context() as patched:
        patched.setattr(entry, "values_of", made)
        with django_assert_num_queries(1):
            assert entry.matches_for_many(xingning_user, rows) == [[], []]
    # With the registered person keyed again, the same row finds them.
    assert keyed == 1
    from tongxin.dedupe.services import keys_refresh

    keys_refresh()
    assert [len(m) for m in entry.matches_for_many(xingning_user, rows)] == [1, 0]
