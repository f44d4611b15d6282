"""A roster as offices really write it imports with no rejected row (issue 17):
民族 without 族, groups by short name, regions without suffix or by their
former name and code, 出生年月 as year and month, freelancers without a
自由职业领域 column (imported blank, with a warning, and listed as 待补充)."""

import datetime

import pytest
from django.urls import reverse

from tongxin.conftest import make_id_number
from tongxin.imports.committing import import_file
from tongxin.imports.models import ImportBatch
from tongxin.imports.tests.rosters import write_xlsx
from tongxin.imports.tests.test_views import mapping_post, upload
from tongxin.imports.validation import FREELANCE_FIELD_MISSING
from tongxin.people.models import Person
from tongxin.regions.models import Region

pytestmark = pytest.mark.django_db

# The header of a county office's roster: no 自由职业领域, no 分级, no 细分类别.
HEADER = ["序号", "姓名", "性别", "民族", "身份证号码", "出生年月", "政治面貌", "文化程度",
          "工作单位及职务", "联系电话", "人员类别", "所在县区"]  # fmt: skip


def office_roster() -> list[list]:
    """(row, expected) pairs: what the office wrote, what the registry should hold."""
    rows = []
    cases = [
        # name, ethnicity, born, birth cell, political, education, group, region
        ("韦小宝", "壮", datetime.date(1985, 3, 15), "1985.3", "群众", "本科", "民营企业", "兴宁"),
        ("李娜", "汉", datetime.date(1990, 11, 2), "1990年11月", "无党派", "大专", "新媒体", "横县"),
        ("蓝天", "瑶族", datetime.date(1979, 6, 30), "1979-06", "民盟", "研究生学历", "中介组织",
         "450127"),
        ("黄河", "蒙古", datetime.date(1988, 1, 9), 1988.01, "九三学社成员", "大学", "民营外资企业",
         "青秀"),
        ("覃海", "汉", datetime.date(1992, 7, 21), "1992.07", "群众", "本科", "社会组织", "兴宁区"),
        ("莫言", "汉族", datetime.date(1975, 12, 1), "1975年12月", "群众", "本科", "自由职业", "横州"),
    ]  # fmt: skip
    for n, (name, ethnicity, born, cell, political, education, group, region) in enumerate(
        cases, start=1
    ):
        number = make_id_number("450102", born, "M")
        rows.append([n, name, "男", ethnicity, number, cell, political, education, "某公司 经理",
                     "13800138000", group, region])  # fmt: skip
    return rows


@pytest.fixture
def hengzhou(regions):
    return Region.objects.create(code="450181", name="横州市", kind=Region.Kind.COUNTY_CITY,
                                 parent=regions["city"], sort_order=3)  # fmt: skip


def test_an_office_roster_previews_with_no_rejected_row(tmp_path, client_for, city_user, hengzhou):
    path = write_xlsx(tmp_path / "县区名单.xlsx", office_roster(), header=HEADER)
    client = client_for(city_user)
    upload(client, path)
    batch = ImportBatch.objects.get()
    client.post(reverse("imports:mapping", args=[batch.pk]), mapping_post(batch))
    batch.refresh_from_db()
    assert batch.problems == []
    assert (batch.counts["created"], batch.counts["invalid"], batch.counts["warnings"]) == (6, 0, 1)
    assert batch.warnings == [
        {"row": 9, "column": "自由职业领域", "message": FREELANCE_FIELD_MISSING}
    ]
    page = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "另有 <strong>1</strong> 行有提示" in page
    assert "需要注意的行（仍导入）" in page and FREELANCE_FIELD_MISSING in page

    client.post(reverse("imports:commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    people = {p.name: p for p in Person.objects.select_related("ethnicity", "group", "region",
                                                             "political_status", "education")}  # fmt: skip
    assert people["韦小宝"].ethnicity.name == "壮族"
    assert people["黄河"].ethnicity.name == "蒙古族"
    assert people["韦小宝"].birth_date == datetime.date(1985, 3, 15)  # the day from the ID
    assert people["黄河"].birth_date == datetime.date(1988, 1, 9)  # a number cell 1988.01
    assert {n: p.region.name for n, p in people.items()} == {
        "韦小宝": "兴宁区", "李娜": "横州市", "蓝天": "横州市", "黄河": "青秀区", "覃海": "兴宁区",
        "莫言": "横州市",
    }  # fmt: skip
    assert {n: p.group.short_name for n, p in people.items()} == {
        "韦小宝": "民营外资企业", "李娜": "新媒体", "蓝天": "中介和社会组织",
        "黄河": "民营外资企业", "覃海": "中介和社会组织", "莫言": "自由职业",
    }  # fmt: skip
    assert people["李娜"].political_status.name == "无党派人士"
    assert people["黄河"].political_status.name == "九三学社社员"
    assert people["蓝天"].education.name == "研究生"

    # The freelancer is listed as having fields to complete, and the page says which.
    freelancer = people["莫言"]
    assert freelancer.freelance_field == ""
    assert freelancer.fields_to_complete() == ["自由职业领域"]
    listed = client.get(reverse("people:list"), {"incomplete": "1"}).content.decode()
    assert "莫言" in listed and "韦小宝" not in listed
    page = client.get(reverse("people:detail", args=[freelancer.pk])).content.decode()
    assert "待补充：自由职业领域" in page


def test_the_command_line_reads_it_the_same(tmp_path, hengzhou, capsys):
    from django.core.management import call_command

    path = write_xlsx(tmp_path / "县区名单.xlsx", office_roster(), header=HEADER)
    call_command("import", str(path))
    out = capsys.readouterr().out
    assert "新增 6，更新 0，无变化 0，跳过 0，有错误 0" in out
    assert "另有 1 行有提示（仍导入）" in out
    assert f"提示 第9行 自由职业领域：{FREELANCE_FIELD_MISSING}" in out


def test_a_year_month_that_disagrees_with_the_id_is_still_refused(tmp_path, regions):
    row = office_roster()[0]
    row[5] = "1985.4"  # the ID says March
    path = write_xlsx(tmp_path / "名单.xlsx", [row], header=HEADER)
    analysis = import_file(actor=None, path=path).analysis
    assert analysis.counts["invalid"] == 1
    assert "出生日期与公民身份号码不一致" in analysis.problems()[0]["message"]


def test_an_admin_synonym_wins_over_the_built_in_forms(tmp_path, regions):
    """The data file comes after the dictionaries: an admin can send 民营企业 elsewhere."""
    from tongxin.people.models import PersonGroup

    media = PersonGroup.objects.get(short_name="新媒体")
    media.synonyms = "民营企业"
    media.save(update_fields=["synonyms"])
    path = write_xlsx(tmp_path / "名单.xlsx", [office_roster()[0]], header=HEADER)
    import_file(actor=None, path=path, commit=True)
    assert Person.objects.get().group == media


def test_an_unreadable_optional_value_is_imported_blank_and_marked_to_complete(
    tmp_path, client_for, city_user, hengzhou
):
    """Not only the freelancer's field: any optional value the importer cannot
    read is left blank, warned about on its row, and the person is 待补充 for it
    until someone fills it in (one notion, people/completeness.py)."""
    from tongxin.people.services import person_update

    rows = office_roster()[:2]
    rows[0][7] = "博士后进站"  # 文化程度: no such education
    rows[0][9] = "0771-123"  # 联系电话: not a mobile number
    path = write_xlsx(tmp_path / "名单.xlsx", rows, header=HEADER)
    result = import_file(actor=city_user, path=path, commit=True)
    assert (result.analysis.counts["created"], result.analysis.counts["invalid"]) == (2, 0)
    warned = {(w["row"], w["column"].split("列")[0]) for w in result.analysis.warnings()}
    assert warned == {(4, "H"), (4, "J")}
    marked = Person.objects.get(name="韦小宝")
    assert (marked.education, marked.mobile) == (None, "")
    assert marked.fields_to_complete() == ["学历", "联系电话"]
    assert Person.objects.get(name="李娜").fields_to_complete() == []

    client = client_for(city_user)
    listed = client.get(reverse("people:list"), {"incomplete": "1"}).content.decode()
    assert "韦小宝" in listed and "李娜" not in listed
    page = client.get(reverse("people:detail", args=[marked.pk])).content.decode()
    assert "待补充：学历、联系电话" in page

    # Filling one in leaves the other to complete; filling both ends it.
    marked = person_update(actor=city_user, person=marked, data={"mobile": "13800138000"},
                           expected_version=marked.version)  # fmt: skip
    assert marked.fields_to_complete() == ["学历"]
    education = Person.objects.get(name="李娜").education
    person_update(actor=city_user, person=marked, data={"education": education},
                  expected_version=marked.version)  # fmt: skip
    assert Person.objects.get(name="韦小宝").fields_to_complete() == []
    listed = client.get(reverse("people:list"), {"incomplete": "1"}).content.decode()
    assert "韦小宝" not in listed
