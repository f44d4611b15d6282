"""The roster template: who may download it, what it holds, and that a roster
filled in from it goes through the real import flow with no rejected row."""

import datetime
import itertools

import pytest
import xlsxwriter
from django.urls import reverse
from stdnum.cn import ric

from tongxin.accounts.models import User
from tongxin.conftest import make_id_number
from tongxin.imports.models import ImportBatch
from tongxin.imports.template import EXAMPLE_NAME
from tongxin.imports.tests.template_reading import read_template
from tongxin.imports.tests.test_views import mapping_post
from tongxin.imports.validation import FIELD_LABELS, IMPORTABLE_FIELDS
from tongxin.people.models import Person, PersonGroup, SubCategory
from tongxin.regions.models import Region

pytestmark = pytest.mark.django_db

DROPDOWNS = ["性别", "民族*", "政治面貌*", "学历", "学位", "所属区域*", "人员类别*", "细分类别",
             "自由职业领域", "分级"]  # fmt: skip


def many_towns(city: Region, count: int = 40) -> list[Region]:
    """Enough regions for the region list to pass Excel's 255-character inline limit."""
    return [
        Region.objects.create(
            code=f"4501{n:02d}",
            name=f"测试第{n}开发新区",
            kind=Region.Kind.DISTRICT,
            parent=city,
            sort_order=10 + n,
        )  # fmt: skip
        for n in range(50, 50 + count)
    ]


def download(client):
    response = client.get(reverse("imports:template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    return response.content


def test_it_offers_the_template_on_the_upload_page(client_for, xingning_user):
    page = client_for(xingning_user).get(reverse("imports:upload"))
    assert page.status_code == 200
    assert reverse("imports:template") in page.content.decode()
    assert "下载人员登记表模板" in page.content.decode()


def test_it_gives_a_county_user_only_their_regions(client_for, xingning_user):
    template = read_template(download(client_for(xingning_user)))

    assert template.columns["所属区域*"].values == ["兴宁区"]
    # County staff cannot place anyone at the city tier: not offered.
    assert template.columns["分级"].values == ["县区联系", "储备"]


def test_it_holds_one_column_per_importable_field_with_help_and_dropdowns(
    client_for, xingning_user
):
    template = read_template(download(client_for(xingning_user)))

    assert [h.rstrip("*") for h in template.header] == [FIELD_LABELS[f] for f in IMPORTABLE_FIELDS]
    assert template.frozen_rows == 1
    for header, column in template.columns.items():
        assert column.prompt_title == header.rstrip("*"), header
        assert column.prompt, f"{header} has no input help"
    for header in DROPDOWNS:
        assert template.columns[header].kind == "list", header
        assert template.columns[header].values, header
    assert template.columns["性别"].values == ["男", "女"]
    assert "汉族" in template.columns["民族*"].values
    assert len(template.columns["民族*"].values) == 57  # 56 and 其他
    assert "新媒体从业人员" in template.columns["人员类别*"].values
    assert template.columns["姓名*"].kind == "any"

    example = dict(zip(template.header, template.rows[0], strict=False))
    assert example["姓名*"] == EXAMPLE_NAME
    assert ric.is_valid(example["公民身份号码*"])
    assert example["公民身份号码*"].startswith("450102")
    for header in DROPDOWNS:
        if example[header]:
            assert example[header] in template.columns[header].values, header


def test_long_lists_go_to_a_hidden_sheet_behind_a_named_range(client_for, city_user, regions):
    towns = many_towns(regions["city"])
    template = read_template(download(client_for(city_user)))

    region = template.columns["所属区域*"]
    assert region.named_range == "list_region"
    assert region.values == ["南宁市", "兴宁区", "青秀区", *[t.name for t in towns]]
    assert template.sheet_states == {"人员登记表": "visible", "下拉选项": "hidden"}
    assert template.columns["性别"].named_range == ""  # short lists stay inline
    assert "市级重点联系" in template.columns["分级"].values


@pytest.mark.parametrize("role", [User.Role.LEADER, User.Role.EVALUATOR])
def test_it_is_not_there_for_leaders_and_evaluators(client_for, regions, role):
    user = User.objects.create_user(username=f"u-{role}", password="x", role=role)
    user.regions.set([regions["city"]])
    assert client_for(user).get(reverse("imports:template")).status_code == 404


def fill_in(template, *, rows: int) -> list[list]:
    """`rows` persons, every dropdown cycling through its whole list."""
    columns = template.columns
    cycles = {h: itertools.cycle(columns[h].values) for h in DROPDOWNS}
    groups = {g.name: g for g in PersonGroup.objects.all()}
    subcategories = {}
    for sub in SubCategory.objects.select_related("group"):
        if sub.name in columns["细分类别"].values:
            subcategories.setdefault(sub.group.name, []).append(sub.name)
    regions = {r.name: r for r in Region.objects.all()}
    filled = []
    for n in range(rows):
        group = next(cycles["人员类别*"])
        region = next(cycles["所属区域*"])
        subs = subcategories.get(group, [""])
        sex = "男" if n % 2 else "女"
        born = datetime.date(1960, 1, 1) + datetime.timedelta(days=n * 97)
        values = {
            "姓名*": f"测试{n}",
            "性别": sex,
            "民族*": next(cycles["民族*"]),
            "出生日期": born,
            "籍贯": "广西南宁",
            "公民身份号码*": make_id_number(regions[region].code, born, "M" if n % 2 else "F"),
            "政治面貌*": next(cycles["政治面貌*"]),
            "学历": next(cycles["学历"]),
            "学位": next(cycles["学位"]),
            "从业起始年份": "2010",
            "联系电话": f"138{n:08d}",
            "电子邮箱": f"p{n}@example.com",
            "所属区域*": region,
            "人员类别*": group,
            "细分类别": subs[n % len(subs)],
            "自由职业领域": next(cycles["自由职业领域"]) if groups[group].is_freelance else "",
            "分级": next(cycles["分级"]),
        }
        filled.append([values.get(h, "") for h in template.header])
    return filled


def write_roster(path, template, rows: list[list]) -> None:
    """A new xlsx with the template's header, its example row and `rows`."""
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    sheet = workbook.add_worksheet("名单")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate([template.header, template.rows[0], *rows]):
        for c, value in enumerate(row):
            if isinstance(value, datetime.date):
                value = datetime.datetime.combine(value, datetime.time())
                sheet.write_datetime(r, c, value, date_format)
            elif value not in ("", None):
                sheet.write_string(r, c, str(value))
    workbook.close()


def test_a_roster_filled_in_from_the_template_imports_with_no_rejected_row(
    tmp_path, client_for, city_user, regions
):
    many_towns(regions["city"])  # the region list on the hidden sheet
    client = client_for(city_user)
    template = read_template(download(client))
    rows = fill_in(template, rows=120)
    path = tmp_path / "按模板填写.xlsx"
    write_roster(path, template, rows)

    with path.open("rb") as handle:
        response = client.post(reverse("imports:upload"), {"file": handle})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302, response.content.decode()
    # Every column maps itself: the template's headers are the importer's own.
    assert sorted(batch.mapping.values()) == sorted(IMPORTABLE_FIELDS)
    response = client.post(reverse("imports:mapping", args=[batch.pk]), mapping_post(batch))
    assert response.status_code == 302

    batch.refresh_from_db()
    assert batch.problems == []
    assert batch.counts["invalid"] == 0
    assert batch.counts["created"] == 120
    assert batch.counts["examples"] == 1
    page = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "已跳过模板中的示例行 1 行" in page

    client.post(reverse("imports:commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert Person.objects.count() == 120
    assert not Person.objects.filter(name=EXAMPLE_NAME).exists()
    assert Person.objects.filter(level=Person.Level.CITY).exists()
    assert Person.objects.values("ethnicity").distinct().count() == 57


def test_the_command_line_skips_the_example_row_too(tmp_path, xingning_user, client_for):
    from tongxin.imports.committing import import_file

    template = read_template(download(client_for(xingning_user)))
    path = tmp_path / "only-example.xlsx"
    write_roster(path, template, fill_in(template, rows=3))
    result = import_file(actor=xingning_user, path=path)
    assert result.analysis.counts["examples"] == 1
    assert result.analysis.counts["created"] == 3
    assert result.analysis.counts["invalid"] == 0
