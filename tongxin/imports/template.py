"""The roster template: an xlsx of the registration form to fill in and import.

One column per importable field, headed by the importer's own names (the
form's labels, which `parsing.field_for_header` reads back), so a filled-in
template maps itself. Dictionary columns carry Excel list validations with the
entries the importer understands for this user; lists too long for Excel's
inline limit (255 characters) live on a hidden sheet behind a named range.
Row 2 is an example, marked 示例 in its name cell; the importer skips it
(`parsing.is_example_row`), so the user may keep it or delete it.
"""

from __future__ import annotations

import datetime
import io

import xlsxwriter
from stdnum.cn.ric import calc_check_digit
from xlsxwriter.utility import xl_col_to_name

from tongxin.core.exporting import WORKBOOK_OPTIONS
from tongxin.people.models import (
    Degree,
    Education,
    Ethnicity,
    Person,
    PersonGroup,
    PoliticalStatus,
    SubCategory,
)
from tongxin.regions.models import Region
from tongxin.regions.scope import write_scope

from .parsing import EXAMPLE_MARK
from .validation import FIELD_LABELS, IMPORTABLE_FIELDS, REQUIRED

SHEET_NAME = "人员登记表"
LISTS_SHEET = "下拉选项"
EXAMPLE_NAME = f"{EXAMPLE_MARK}：王小明"
# Excel refuses an inline list ("a,b,c") longer than this.
INLINE_LIST_LIMIT = 255
# Rows below the header that carry the validations (the whole sheet would
# make LibreOffice slow to open; 10,000 rows is more than any office roster).
VALIDATED_ROWS = 10000

HELP: dict[str, str] = {
    "name": "填写身份证上的姓名。本行（第2行）是示例，导入时自动跳过，可保留或删除。",
    "sex": "从下拉列表选择“男”或“女”；可留空，导入时按公民身份号码填写。",
    "ethnicity": "从下拉列表选择，如“汉族”（写“汉”也能识别）。",
    "birth_date": "如 1985-06-01，也可写 1985.6.1、1985年6月；可留空，导入时按公民身份号码填写。",
    "native_place": "如 广西南宁。",
    "id_number": "18位公民身份号码，末位X大写或小写均可。本列已设为文本格式，号码不会变成科学计数。",
    "political_status": "从下拉列表选择，如“无党派人士”“群众”。",
    "education": "从下拉列表选择最高学历。",
    "degree": "从下拉列表选择最高学位；没有可留空。",
    "school": "最高学历的毕业院校。",
    "major": "最高学历的所学专业。",
    "employer": "工作单位全称。",
    "job_title": "在工作单位中的职务。",
    "professional_title": "如 高级工程师、注册会计师。",
    "career_start_year": "四位年份，如 2008。",
    "mobile": "11位手机号码。",
    "email": "如 name@example.com。",
    "address": "通讯地址。",
    "region": "从下拉列表选择（只列出您可以登记的区域）；也可填6位区域代码。",
    "group": "从下拉列表选择人员类别。",
    "subcategory": "从下拉列表选择；须属于所选的人员类别。",
    "freelance_field": "只有自由职业人员填写：文化艺术领域 或 经济社会领域；可留空，导入后补充。",
    "level": "从下拉列表选择；留空时记为“储备”。",
    "resume": "个人简历，可换行（Alt+Enter）。",
    "achievements": "主要业绩与社会贡献。",
    "public_welfare": "参加的社会公益活动。",
    "recommender": "推荐单位名称。",
    "department_opinion": "统战部门意见。",
    "remarks": "其他需要说明的情况。",
}
WIDTHS = {"name": 14, "id_number": 21, "birth_date": 12, "mobile": 13, "employer": 28,
          "group": 30, "subcategory": 24, "region": 12, "address": 28, "resume": 40,
          "achievements": 40}  # fmt: skip
TEXT_COLUMNS = {"id_number", "mobile", "career_start_year"}


def _names(model) -> list[str]:
    return list(model.objects.filter(is_active=True).values_list("name", flat=True))


def template_choices(user) -> dict[str, list[str]]:
    """The dropdown list of each dictionary column, as this user may fill it in."""
    subcategories = SubCategory.objects.filter(is_active=True, group__is_active=True)
    levels = [choice for choice in Person.Level if choice != Person.Level.CITY]
    if user.is_superuser or user.can_place_at_city_level:
        levels = list(Person.Level)
    return {
        "sex": [label for _value, label in Person.Sex.choices],
        "ethnicity": _names(Ethnicity),
        "political_status": _names(PoliticalStatus),
        "education": _names(Education),
        "degree": _names(Degree),
        "region": list(
            write_scope(user).regions().filter(is_active=True).values_list("name", flat=True)
        ),
        "group": _names(PersonGroup),
        # One list for all groups (names repeat across groups only rarely): the
        # importer resolves a subcategory within the row's group first.
        "subcategory": list(dict.fromkeys(s.name for s in subcategories)),
        "freelance_field": [label for _value, label in Person.FreelanceField.choices],
        "level": [choice.label for choice in levels],
    }


def _example_values(user, choices: dict[str, list[str]]) -> dict[str, object]:
    """A synthetic, valid person: a resident ID from the user's first region's code."""
    region = (
        write_scope(user).regions().filter(is_active=True).first()
        or Region.objects.filter(is_active=True).first()
    )
    code = region.code if region is not None and len(region.code) == 6 else "450102"
    born = datetime.date(1985, 6, 1)
    first17 = f"{code}{born:%Y%m%d}001"  # sequence 001: odd, a man
    group = PersonGroup.objects.filter(is_active=True, is_freelance=False).first()
    subcategory = SubCategory.objects.filter(is_active=True, group=group).first() if group else None

    def first(field: str, preferred: str = "") -> str:
        values = choices[field]
        return preferred if preferred in values else (values[0] if values else "")

    return {
        "name": EXAMPLE_NAME,
        "sex": "男",
        "ethnicity": first("ethnicity", "汉族"),
        "birth_date": born,
        "native_place": "广西南宁",
        # calc_check_digit reads a full 18-character number, its last one a placeholder
        "id_number": first17 + calc_check_digit(first17 + "0"),
        "political_status": first("political_status", "无党派人士"),
        "education": first("education", "大学本科"),
        "degree": first("degree", "学士"),
        "school": "广西大学",
        "major": "计算机科学与技术",
        "employer": "南宁某科技有限公司",
        "job_title": "总经理",
        "professional_title": "高级工程师",
        "career_start_year": "2008",
        "mobile": "13800138000",
        "email": "example@example.com",
        "address": "南宁市某路1号",
        "region": region.name if region is not None else "",
        "group": group.name if group else first("group"),
        "subcategory": subcategory.name if subcategory else "",
        "freelance_field": "",
        "level": first("level", Person.Level.RESERVE.label),
        "resume": "2008年至今 南宁某科技有限公司 总经理",
        "achievements": "",
        "public_welfare": "",
        "recommender": "",
        "department_opinion": "",
        "remarks": "示例行：导入时自动跳过，可保留或删除",
    }


def roster_template_xlsx(*, user) -> bytes:
    """The registration form as an xlsx template for `user` (their regions, their levels)."""
    choices = template_choices(user)
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, **WORKBOOK_OPTIONS})
    sheet = workbook.add_worksheet(SHEET_NAME)
    lists = _ListSheet(workbook)
    header = workbook.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1})
    required = workbook.add_format(
        {"bold": True, "bg_color": "#F2DCDB", "border": 1, "font_color": "#C00000"}
    )
    text = workbook.add_format({"num_format": "@"})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    example = workbook.add_format({"italic": True, "font_color": "#808080", "bg_color": "#F2F2F2"})
    example_text = workbook.add_format(
        {"italic": True, "font_color": "#808080", "bg_color": "#F2F2F2", "num_format": "@"}
    )
    example_date = workbook.add_format(
        {"italic": True, "font_color": "#808080", "bg_color": "#F2F2F2", "num_format": "yyyy-mm-dd"}
    )
    values = _example_values(user, choices)
    for col, field in enumerate(IMPORTABLE_FIELDS):
        label = FIELD_LABELS[field]
        # "姓名*": the importer reads the header without the star (normalise_header).
        is_required = field in REQUIRED
        sheet.write_string(0, col, f"{label}*" if is_required else label,
                           required if is_required else header)  # fmt: skip
        column_format = text if field in TEXT_COLUMNS else None
        if field == "birth_date":
            column_format = date_format
        sheet.set_column(col, col, WIDTHS.get(field, 12), column_format)
        value = values[field]
        if isinstance(value, datetime.date):
            sheet.write_datetime(
                1, col, datetime.datetime.combine(value, datetime.time()), example_date
            )
        else:
            sheet.write_string(1, col, value, example_text if field in TEXT_COLUMNS else example)
        help_text = HELP[field] + ("（必填）" if is_required else "")
        validation = {
            "validate": "any",
            "input_title": label[:32],
            "input_message": help_text[:255],
        }
        if field in choices:
            source = lists.source(field, choices[field])
            validation.update(
                {
                    "validate": "list",
                    "source": source,
                    # A warning, not a stop: the importer also understands the
                    # common written forms (汉, 本科, 兴宁), which users paste in.
                    "error_type": "warning",
                    "error_title": label[:32],
                    "error_message": f"“{label}”请从下拉列表中选择；其他写法导入时可能无法识别。",
                }
            )
        sheet.data_validation(1, col, VALIDATED_ROWS, col, validation)
    sheet.freeze_panes(1, 1)
    sheet.set_row(0, 20)
    workbook.close()
    return output.getvalue()


class _ListSheet:
    """The hidden sheet of the lists too long to write inline, made when first needed."""

    def __init__(self, workbook):
        self.workbook = workbook
        self.sheet = None
        self.column = 0

    def source(self, field: str, values: list[str]):
        """The validation source: an inline list when Excel allows it, else a named range."""
        inline = ",".join(values)
        if values and len(inline) <= INLINE_LIST_LIMIT and not any("," in v for v in values):
            return values
        if self.sheet is None:
            self.sheet = self.workbook.add_worksheet(LISTS_SHEET)
            self.sheet.hide()
        self.sheet.write_string(0, self.column, FIELD_LABELS[field])
        for row, value in enumerate(values or [""], start=1):
            self.sheet.write_string(row, self.column, value)
        letter = xl_col_to_name(self.column)
        name = f"list_{field}"
        last = max(1, len(values)) + 1
        self.workbook.define_name(name, f"='{LISTS_SHEET}'!${letter}$2:${letter}${last}")
        self.column += 1
        return f"={name}"
