"""Planted near-duplicates of each kind: the pairs found and those not found."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from stdnum.cn.ric import calc_check_digit

from tongxin.dedupe.models import DuplicatePair, DuplicateRule, PersonKey
from tongxin.dedupe.services import candidates_refresh, keys_refresh

BORN = datetime.date(1980, 3, 14)


def rid(first17: str) -> str:
    return first17 + calc_check_digit(first17 + "0")


_mobiles = iter(range(13900000000, 13999999999))


@pytest.fixture
def person(make_person):
    """person(name, **fields): distinct mobile and no e-mail unless given."""

    def make(name, **fields):
        fields.setdefault("mobile", str(next(_mobiles)))
        fields.setdefault("birth_date", BORN)
        return make_person(name, **fields)

    return make


def found() -> dict[frozenset, str]:
    candidates_refresh()
    return {
        frozenset((p.person_a_id, p.person_b_id)): p.rule.code
        for p in DuplicatePair.objects.select_related("rule")
    }


def test_it_finds_each_planted_kind_and_nothing_else(person, regions):
    qingxiu = regions["qingxiu"]
    # Same name, same birth date (entered by two counties).
    a1 = person("李建国", id_number=rid("45010219800314001"))
    a2 = person("李建国", id_number=rid("45010319800314002"), region=qingxiu)
    # Homophone and a traditional character: same pinyin and birth date.
    b1 = person("张伟", id_number=rid("45010219800314003"), birth_date=datetime.date(1975, 1, 2))
    b2 = person("章伟", id_number=rid("45010219800314004"), birth_date=datetime.date(1975, 1, 2))
    b3 = person("陳明", id_number=rid("45010219800314005"), birth_date=datetime.date(1971, 5, 5))
    b4 = person("陈明", id_number=rid("45010219800314106"), birth_date=datetime.date(1971, 5, 5))
    # Same mobile.
    c1 = person("王芳", id_number=rid("45010219800314007"), mobile="13711112222")
    c2 = person("黄敏", id_number=rid("45010219800314008"), mobile="13711112222")
    # Same e-mail, written in another case.
    d1 = person("刘洋", id_number=rid("45010219800314009"), email="LiuYang@example.cn")
    d2 = person("刘阳光", id_number=rid("45010219800314010"), email="liuyang@example.cn ")
    # Similar name, same work unit (a typo, and a married name).
    unit = "南宁市某某科技有限公司"
    e1 = person("赵晓伟", id_number=rid("45010219700101011"), employer=unit)
    e2 = person(
        "赵小伟", id_number=rid("45010219710101012"), employer=unit, birth_date=BORN.replace(day=1)
    )
    f1 = person("李芳", id_number=rid("45010219720101013"), employer="兴宁区律师事务所")
    f2 = person("王李芳", id_number=rid("45010219730101014"), employer="兴宁区律师事务所")
    # An 18-digit number and the one converted from its old 15-digit form with the wrong century.
    g1 = person("周强", id_number=rid("45010219650707015"), birth_date=datetime.date(1965, 7, 7))
    g2 = person("周强国", id_number=rid("45010218650707015"), birth_date=datetime.date(1865, 7, 7))
    # IDs one digit apart, same name (different birth dates in the ID, so no name_birth pair).
    h1 = person("覃海燕", id_number=rid("45010219880808016"), birth_date=datetime.date(1988, 8, 8))
    h2 = person("覃海燕", id_number=rid("45010219880809016"), birth_date=datetime.date(1988, 8, 9))

    # Not duplicates: same name, other birth date and ID far apart; similar
    # names at different employers; one digit apart but other names.
    n1 = person("黄勇", id_number=rid("45010219600101017"), birth_date=datetime.date(1960, 1, 1))
    n2 = person("黄勇", id_number=rid("45010319910202018"), birth_date=datetime.date(1991, 2, 2))
    n3 = person("孙丽", id_number=rid("45010219800314019"), employer="甲公司")
    n4 = person("孙莉莉", id_number=rid("45010219800314020"), employer="乙公司")
    n5 = person("何平", id_number=rid("45010219850505021"), birth_date=datetime.date(1985, 5, 5))
    n6 = person("何文", id_number=rid("45010219850505031"), birth_date=datetime.date(1985, 5, 5))
    n7 = person("张飞", id_number=rid("45010219700101022"), employer="丙公司")
    n8 = person("张伟华", id_number=rid("45010219700101023"), employer="丙公司")

    pairs = found()
    expected = {
        frozenset((a1.pk, a2.pk)): "name_birth",
        frozenset((b1.pk, b2.pk)): "name_birth",
        frozenset((b3.pk, b4.pk)): "name_birth",
        frozenset((c1.pk, c2.pk)): "mobile",
        frozenset((d1.pk, d2.pk)): "email",
        frozenset((e1.pk, e2.pk)): "similar_name_employer",
        frozenset((f1.pk, f2.pk)): "similar_name_employer",
        frozenset((g1.pk, g2.pk)): "id_15",
        frozenset((h1.pk, h2.pk)): "id_one_digit",
    }
    assert pairs == expected
    for a, b in [(n1, n2), (n3, n4), (n5, n6), (n7, n8)]:
        assert frozenset((a.pk, b.pk)) not in pairs


def test_a_traditional_name_is_the_same_name_for_the_exact_name_rules(person):
    """張偉 is 张伟 (OpenCC t2s): the one-digit rule, which wants the same
    name, finds the pair; compared as written, only the pinyin rule would."""
    a = person("张伟", id_number=rid("45010219800314051"))
    b = person("張偉", id_number=rid("45010219800314061"))
    assert PersonKey.objects.get(person=b).name == "张伟"
    assert found() == {frozenset((a.pk, b.pk)): "id_one_digit"}


def test_a_generic_employer_is_no_shared_work_unit(person):
    def born(year):
        return {"birth_date": datetime.date(year, 1, 1)}

    person("黄晓明", id_number=rid("45010219700101071"), employer="自由职业", **born(1970))
    person("黄小明", id_number=rid("45010219710101072"), employer="自由职业", **born(1971))
    assert found() == {}
    person("黄晓明", id_number=rid("45010219720101073"), employer="某某科技有限公司", **born(1972))
    person(
        "黄小明", id_number=rid("45010219730101074"), employer="某某科技（有限）公司", **born(1973)
    )
    assert list(found().values()) == ["similar_name_employer"]


def test_it_keeps_keys_of_bulk_written_persons_current(person):
    p = person("蒙丽", id_number=rid("45010219800314040"))
    PersonKey.objects.all().delete()
    assert keys_refresh() >= 1
    key = PersonKey.objects.get(person=p)
    assert (key.name, key.pinyin, key.person_version) == ("蒙丽", "mengli", 1)
    # The ID never appears in plain text in the keys.
    assert "450102" not in "".join(str(v) for v in vars(key).values())
    assert keys_refresh() == 0


def test_it_never_proposes_a_dismissed_pair_again(person):
    a = person("韦小宝", id_number=rid("45010219800314041"))
    b = person("韦小宝", id_number=rid("45010219800314042"))
    found()
    DuplicatePair.objects.filter(person_a=a, person_b=b).update(status="dismissed")
    found()
    assert list(DuplicatePair.objects.values_list("status", flat=True)) == ["dismissed"]


def test_it_follows_an_edited_rule(person):
    person("梁秋", id_number=rid("45010219800314043"), mobile="13655556666")
    person("潘冬", id_number=rid("45010219800314044"), mobile="13655556666")
    DuplicateRule.objects.filter(code="mobile").update(is_active=False)
    DuplicatePair.objects.all().delete()
    assert found() == {}


def test_it_lists_pairs_for_scripts_by_region(person, regions):
    a = person("罗兰", id_number=rid("45010219800314045"), mobile="13577778888")
    b = person("吴刚", id_number=rid("45010219800314046"), mobile="13577778888")
    c = person("罗兰", id_number=rid("45010319800314047"), region=regions["qingxiu"])
    out = io.StringIO()
    call_command("duplicates", "--json", "--region", "450102", stdout=out, stderr=io.StringIO())
    rows = json.loads(out.getvalue())
    assert rows == [{"person_a": a.pk, "person_b": b.pk, "rule": "mobile", "score": 10.0}]
    out = io.StringIO()
    call_command("duplicates", stdout=out, stderr=io.StringIO())
    assert out.getvalue().splitlines() == [
        f"{a.pk}\t{b.pk}\tmobile\t10.0",
        f"{a.pk}\t{c.pk}\tname_birth\t10.0",
    ]
