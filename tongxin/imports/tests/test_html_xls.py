"""'.xls' files that are really HTML tables (WPS, Excel's 'web page', older
systems) are read as the table they are; look-alikes that are not tables are
refused with the steps to save them as .xlsx (issue 17)."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from tongxin.imports.committing import import_file
from tongxin.imports.files import ImportFileError
from tongxin.imports.models import ImportBatch
from tongxin.imports.tests.rosters import HEADER, roster_row
from tongxin.imports.tests.test_views import mapping_post, upload
from tongxin.people.models import Person

pytestmark = pytest.mark.django_db


def excel_html(rows: list[list], *, region_merged: bool = False, charset="gb2312") -> str:
    """The page WPS or Excel writes for 'save as web page', as users rename it to .xls."""

    def cell(value, extra=""):
        text = "&nbsp;" if value in (None, "") else str(value).replace("&", "&amp;")
        return f"<td{extra} style='mso-number-format:\"\\@\"'>{text}</td>"

    body = [f'<tr><td colspan="{len(HEADER)}" class=xl65>南宁市代表人士名单<br>（2026年）</td></tr>',
            f'<tr>{"".join(f"<td>{h}</td>" for h in HEADER)}</tr>']  # fmt: skip
    region = HEADER.index("所在县区")
    for number, row in enumerate(rows):
        cells = []
        for index, value in enumerate(row):
            if region_merged and index == region:
                if number == 0:
                    cells.append(cell(value, f' rowspan="{len(rows)}"'))
                continue
            cells.append(cell(value))
        body.append(f"<tr height=19>{''.join(cells)}</tr>")
    return (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns="http://www.w3.org/TR/REC-html40">'
        f'<head><meta http-equiv=Content-Type content="text/html; charset={charset}">'
        "<style>td {mso-number-format:General}</style><script>var x = '<td>not a cell</td>';</script>"
        "</head><body link=blue>"
        # a layout table above the roster, as some systems write
        "<table><tr><td>导出时间：2026-12-01</td><td>操作员：张三</td></tr></table>"
        f"<table x:str border=0 cellpadding=0 cellspacing=0>{''.join(body)}</table>"
        "</body></html>"
    )


def test_a_wps_html_xls_in_gbk_is_read_as_its_table(tmp_path, client_for, xingning_user):
    rows = [roster_row(1, "张三", 工作单位="甲&乙公司"), roster_row(2, "李四")]
    path = tmp_path / "名单.xls"
    path.write_bytes(excel_html(rows, region_merged=True).encode("gbk"))
    client = client_for(xingning_user)
    response = upload(client, path)
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.file_kind == "html"
    assert batch.header_row == 2 and batch.columns == HEADER
    client.post(reverse("imports:mapping", args=[batch.pk]), mapping_post(batch))
    client.post(reverse("imports:commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED, batch.error_message or batch.problems
    people = {p.name: p for p in Person.objects.select_related("region")}
    assert set(people) == {"张三", "李四"}
    # The merged region cell covers both rows; the columns to its right stay in place.
    assert {p.region.name for p in people.values()} == {"兴宁区"}
    assert people["张三"].employer == "甲&乙公司"
    assert people["李四"].employer == "南宁某公司"


def test_the_command_reads_a_utf8_html_xls(tmp_path, regions, capsys):
    path = tmp_path / "名单.xls"
    path.write_text(excel_html([roster_row(1, "张三")], charset="utf-8"), encoding="utf-8")
    call_command("import", str(path), "--commit")
    assert "新增 1" in capsys.readouterr().out
    assert list(Person.objects.values_list("name", flat=True)) == ["张三"]


def test_an_html_page_without_a_roster_table_gets_the_steps_to_save_as_xlsx(tmp_path, regions):
    path = tmp_path / "名单.xls"
    path.write_text("<html><body><table><tr><td>甲</td><td>乙</td></tr></table></body></html>")
    with pytest.raises(CommandError) as error:
        call_command("import", str(path), "--commit")
    message = str(error.value)
    assert "实际上是网页（HTML）格式" in message
    assert "“文件”→“另存为”" in message and "Excel 工作簿（*.xlsx）" in message
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ('<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?><Workbook '
         'xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>', "“XML 表格 2003”格式"),
        ("MIME-Version: 1.0\nX-Document-Type: Workbook\n", "“单个文件网页（.mht）”格式"),
    ],
)  # fmt: skip
def test_other_look_alikes_are_refused_with_the_steps(content, named, tmp_path, regions):
    path = tmp_path / "名单.xls"
    path.write_text(content)
    with pytest.raises(ImportFileError) as error:
        import_file(actor=None, path=path, commit=True)
    assert named in error.value.message and "Excel 工作簿（*.xlsx）" in error.value.message


def test_tab_separated_text_named_xls_is_read(tmp_path, regions):
    path = tmp_path / "名单.xls"
    lines = ["\t".join(HEADER), "\t".join(str(v) for v in roster_row(1, "张三"))]
    path.write_text("\n".join(lines), encoding="gbk")
    assert import_file(actor=None, path=path, commit=True).analysis.counts["created"] == 1


def test_an_html_table_wider_than_the_budget_is_refused(tmp_path, regions):
    path = tmp_path / "名单.xls"
    path.write_text(
        "<table><tr><td>姓名</td><td>身份证号</td><td colspan='100000'>x</td></tr></table>"
    )
    with pytest.raises(ImportFileError, match="表格的数据范围过大"):
        import_file(actor=None, path=path)
