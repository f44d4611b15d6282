"""Hand-made rosters as offices keep them, imported through the web flow.

The parser's unit tests check each variant alone; here they arrive together,
in real xlsx and csv files, and what lands on each Person is checked. In the
xlsx, 1985.06 is a number cell and 1969-12-31 a date cell, as Excel stores
what people type; the csv holds the same values as text.
"""

import datetime

import pytest
from django.urls import reverse
from stdnum.cn.ric import calc_check_digit

from tongxin.imports.models import ImportBatch
from tongxin.imports.tests.rosters import write_csv, write_xlsx
from tongxin.imports.tests.test_views import mapping_post, upload
from tongxin.people.models import Person

pytestmark = pytest.mark.django_db


def resident_id(born: datetime.date, *, sex: str = "M", ends_in_x: bool = False) -> str:
    """A valid 兴宁区 resident ID born on `born`, with or without the check digit X."""
    for sequence in range(1000):
        first17 = f"450102{born:%Y%m%d}{sequence:03d}"
        if (sequence % 2 == 1) != (sex == "M"):
            continue
        check = calc_check_digit(first17 + "0")
        if (check == "X") == ends_in_x:
            return first17 + check
    raise AssertionError("no such ID")


def full_width(text: str) -> str:
    return text.translate({ord(d): ord(d) - ord("0") + ord("０") for d in "0123456789"})


HEADER = [" 名字 ", "民族", "公民身份号码（18位）", "出生日期", "政治面貌", "学历 ", "手机号码",
          "群体类别", "所属区域"]  # fmt: skip
GROUP = "民营企业和外商投资企业管理技术人员"

X_ID = resident_id(datetime.date(1990, 3, 7), ends_in_x=True)
FULL_WIDTH_ID = resident_id(datetime.date(1978, 11, 23), sex="F")
SPACED_ID = resident_id(datetime.date(2001, 9, 15))
YEAR_MONTH_ID = resident_id(datetime.date(1985, 6, 1), sex="F")
DATE_CELL_ID = resident_id(datetime.date(1969, 12, 31))

ROWS = [
    ["张三", "汉族", X_ID.lower(), "1990/3/7", "群众", "本科 ", "13800138001", GROUP, "450103"],
    ["李四", "壮族 ", full_width(FULL_WIDTH_ID), "1978年11月23日", "中共党员", "大专  ",
     full_width("13900139002"), GROUP, "450102"],
    [" 王五 ", "汉族", f" {SPACED_ID[:6]} {SPACED_ID[6:14]} {SPACED_ID[14:]} ", "20010915",
     "群众", " 大学本科", " 139 0013 9003 ", f"{GROUP} ", "兴宁区 "],
    ["赵六", "汉族", YEAR_MONTH_ID, 1985.06, "无党派人士", "大专", "150-7777-8888", GROUP,
     "青秀区"],
    ["钱七", "汉族", DATE_CELL_ID, datetime.date(1969, 12, 31), "群众", "本科", "13566667777",
     GROUP, "450103"],
]  # fmt: skip

# name → (birth date, ID, sex, mobile, education, region code)
EXPECTED = {
    "张三": (datetime.date(1990, 3, 7), X_ID, "M", "13800138001", "大学本科", "450103"),
    "李四": (datetime.date(1978, 11, 23), FULL_WIDTH_ID, "F", "13900139002", "大学专科", "450102"),
    "王五": (datetime.date(2001, 9, 15), SPACED_ID, "M", "13900139003", "大学本科", "450102"),
    "赵六": (datetime.date(1985, 6, 1), YEAR_MONTH_ID, "F", "15077778888", "大学专科", "450103"),
    "钱七": (datetime.date(1969, 12, 31), DATE_CELL_ID, "M", "13566667777", "大学本科", "450103"),
}


def write_roster(path, kind: str, encoding: str):
    if kind == "xlsx":
        return write_xlsx(path.with_suffix(".xlsx"), ROWS, header=HEADER)
    return write_csv(path.with_suffix(".csv"), ROWS, header=HEADER, encoding=encoding)


@pytest.mark.parametrize(
    "kind, encoding",
    [("xlsx", None), ("csv", "utf-8-sig"), ("csv", "utf-8"), ("csv", "gb18030")],
    ids=["xlsx", "csv-utf8-bom", "csv-utf8", "csv-gb18030"],
)
def test_a_messy_roster_imports_with_every_value_cleaned(tmp_path, client_for, city_user, kind,
                                                         encoding):  # fmt: skip
    path = write_roster(tmp_path / "兴宁青秀名单", kind, encoding)
    assert ROWS[0][2].endswith("x") and X_ID.endswith("X")
    client = client_for(city_user)
    upload(client, path)
    batch = ImportBatch.objects.get()
    assert batch.file_kind == kind
    assert batch.mapping == {
        "0": "name",
        "1": "ethnicity",
        "2": "id_number",
        "3": "birth_date",
        "4": "political_status",
        "5": "education",
        "6": "mobile",
        "7": "group",
        "8": "region",
    }
    client.post(reverse("imports:mapping", args=[batch.pk]), mapping_post(batch))
    batch.refresh_from_db()
    assert batch.problems == []
    assert (batch.counts["created"], batch.counts["invalid"]) == (5, 0)

    client.post(reverse("imports:commit", args=[batch.pk]))
    persons = Person.objects.select_related("education", "region", "ethnicity")
    stored = {
        p.name: (p.birth_date, p.id_number, p.sex, p.mobile, p.education.name, p.region.code)
        for p in persons
    }
    assert stored == EXPECTED
    assert persons.get(name="李四").ethnicity.name == "壮族"
    assert persons.get(name="李四").political_status.name == "中共党员"
    assert persons.get(name="王五").group.name == GROUP
