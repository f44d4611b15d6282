"""The one exporter (core/exporting.py): tables out to xlsx, streaming, never a formula."""

import datetime
import io

from python_calamine import CalamineWorkbook

from tongxin.core.exporting import Table, XlsxBook, write_list_xlsx


def _sheets(content: bytes) -> dict[str, list[list]]:
    """Each sheet's rows from the first row on (calamine starts at the first filled one)."""
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    sheets = {}
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        sheets[name] = [[]] * sheet.start[0] + sheet.to_python()
    return sheets


def test_it_writes_each_table_on_a_sheet_with_cells_as_what_they_are():
    rows_read = []

    def rows():
        for row in (["=1+1", 3, 0.25, datetime.date(2026, 12, 7)], ["-35", None, 1.5, ""]):
            rows_read.append(row)
            yield row

    buffer = io.BytesIO()
    first = Table(
        name="名单:一/二",
        title="标题",
        notes=["说明"],
        headers=["文字", "整数", "比例", "日期"],
        formats=[None, None, "0.0%"],
        rows=rows(),
        total=["合计", 3],
    )
    with XlsxBook(buffer) as book:
        assert book.table(first) == 2
        book.table(Table(name="名单:一/二", headers=["甲"], rows=iter([["乙"]]), header_row=3))
    assert book.names == ["名单_一_二", "名单_一_二2"]
    assert len(rows_read) == 2

    sheets = _sheets(buffer.getvalue())
    one = sheets["名单_一_二"]
    assert one[0][0] == "标题" and one[1][0] == "说明"
    assert one[2] == ["文字", "整数", "比例", "日期"]
    assert one[3][:3] == ["=1+1", 3, 0.25]  # text, never a formula
    assert one[3][3] in (datetime.date(2026, 12, 7), datetime.datetime(2026, 12, 7))
    assert one[4][0] == "-35" and one[4][2] == 1.5
    assert one[5][:2] == ["合计", 3]
    two = sheets["名单_一_二2"]
    assert two[3] == ["甲"] and two[4] == ["乙"]


def test_a_long_plain_list_streams_through_the_list_writer_with_progress(tmp_path):
    counted = []
    table = Table(
        name="代表人士名单",
        headers=["姓名", "年份"],
        widths=[10, 8],
        rows=(["@张三" if n == 0 else f"李{n}", 2000 + n] for n in range(5)),
    )
    target = tmp_path / "list.xlsx"
    with open(target, "wb") as out:
        assert write_list_xlsx(out, table, progress=counted.append, every=2) == 5
    assert counted == [2, 4, 5]
    rows = _sheets(target.read_bytes())["代表人士名单"]
    assert rows[0] == ["姓名", "年份"]
    assert rows[1] == ["@张三", 2000] and rows[5] == ["李4", 2004]
