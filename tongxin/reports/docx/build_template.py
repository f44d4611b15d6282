"""Build the packaged registration-form template (附件2) with python-docx.

Run once after changing the layout and ship the result:

    .venv/bin/python -m tongxin.reports.docx.build_template

The output is an ordinary .docx with Jinja tags ({{ name }} …) in the table
cells, rendered by docxtpl. An admin may replace it with their own edit of
it (报表 → 登记表模板); the tags listed in `registration.FORM_FIELDS` are
what a replacement may use.
"""

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

OUTPUT = Path(__file__).resolve().parent.parent / "templates" / "reports" / "registration_form.docx"
FONT = "宋体"

# Column widths in cm: label, value, label, value, label, value, photo (A4 less margins).
WIDTHS = [2.3, 3.0, 2.1, 2.6, 2.1, 2.4, 2.5]


def _font(run, size: float, bold: bool = False) -> None:
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)


def _set_cell(cell, text: str, *, bold: bool = False, center: bool = True, size=10.5) -> None:
    cell.text = ""
    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.LEFT
    _font(paragraph.add_run(text), size, bold)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _row_height(row, cm: float) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    height = OxmlElement("w:trHeight")
    height.set(qn("w:val"), str(int(cm * 567)))
    height.set(qn("w:hRule"), "atLeast")
    tr_pr.append(height)


def _label(table, row: int, col: int, text: str) -> None:
    _set_cell(table.cell(row, col), text, bold=True)


def _value(table, row: int, first: int, last: int, tag: str, *, center=True) -> None:
    cell = table.cell(row, first)
    if last > first:
        cell = cell.merge(table.cell(row, last))
    _set_cell(cell, "{{ " + tag + " }}", center=center)


def build(output: Path = OUTPUT) -> Path:
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.0)
    section.top_margin = section.bottom_margin = Cm(2.0)

    annex = document.add_paragraph()
    _font(annex.add_run("附件2"), 12, bold=True)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run("新的社会阶层代表人士分级分类管理登记表"), 18, bold=True)
    meta = document.add_paragraph()
    _font(meta.add_run("填报单位：{{ unit }}"), 11)
    _font(meta.add_run("\t\t\t\t\t填表日期：{{ today }}"), 11)

    rows = 14
    table = document.add_table(rows=rows, cols=7)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for row in table.rows:
        for width, cell in zip(WIDTHS, row.cells, strict=True):
            cell.width = Cm(width)

    # Rows 0-3 leave the last column to the photo.
    for r, triple in enumerate(
        [
            (("姓名", "name"), ("性别", "sex"), ("民族", "ethnicity")),
            (
                ("出生年月", "birth_month"),
                ("籍贯", "native_place"),
                ("政治面貌", "political_status"),
            ),
        ]
    ):
        for i, (label, tag) in enumerate(triple):
            _label(table, r, 2 * i, label)
            _value(table, r, 2 * i + 1, 2 * i + 1, tag)
    _label(table, 2, 0, "学历学位")
    _value(table, 2, 1, 2, "education_degree")
    _label(table, 2, 3, "毕业院校及专业")
    _value(table, 2, 4, 5, "school_major")
    _label(table, 3, 0, "工作单位及职务")
    _value(table, 3, 1, 5, "employer_job", center=False)
    photo = table.cell(0, 6).merge(table.cell(3, 6))
    _set_cell(photo, "{{ photo }}")

    _label(table, 4, 0, "职称")
    _value(table, 4, 1, 1, "professional_title")
    _label(table, 4, 2, "从业年限")
    _value(table, 4, 3, 3, "career_years")
    _label(table, 4, 4, "联系电话")
    _value(table, 4, 5, 6, "mobile")

    _label(table, 5, 0, "身份证号")
    _value(table, 5, 1, 3, "id_number")
    _label(table, 5, 4, "所属区域")
    _value(table, 5, 5, 6, "region")

    _label(table, 6, 0, "所属类别")
    _value(table, 6, 1, 3, "category", center=False)
    _label(table, 6, 4, "分级")
    _value(table, 6, 5, 6, "level")

    long_rows = [
        ("个人简历", "resume", 4.0),
        ("主要业绩", "achievements", 3.0),
        ("社会公益活动", "public_welfare", 2.0),
        ("推荐单位意见", "recommender_opinion", 2.2),
        ("统战部门意见", "department_opinion", 2.2),
        ("备注", "remarks", 1.2),
    ]
    for r, (label, tag, height) in enumerate(long_rows, start=7):
        _label(table, r, 0, label)
        _value(table, r, 1, 6, tag, center=False)
        _row_height(table.rows[r], height)
    # The last row is the place for seals and signatures on paper.
    _label(table, 13, 0, "审核人")
    _value(table, 13, 1, 3, "reviewer")
    _label(table, 13, 4, "填表人")
    _value(table, 13, 5, 6, "filled_by")
    for r in range(7):
        _row_height(table.rows[r], 0.9)
    _row_height(table.rows[13], 0.9)

    output.parent.mkdir(parents=True, exist_ok=True)
    document.save(output)
    return output


if __name__ == "__main__":
    print(build())
