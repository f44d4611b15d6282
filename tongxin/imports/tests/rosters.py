"""Messy roster files made by the tests themselves (xlsx, csv, ods)."""

import csv
import datetime
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import xlsxwriter

from tongxin.conftest import make_id_number

HEADER = ["序号", "姓名", "性别", "民族", "身份证号", "出生年月", "政治面貌", "学历", "手机",
          "所属群体", "所在县区", "工作单位"]  # fmt: skip


def roster_row(
    n: int, name: str = "", *, region="兴宁区", born=datetime.date(1985, 6, 1), **over
) -> list:
    """One valid row in HEADER's order; override cells by header name."""
    row = {
        "序号": n,
        "姓名": name or f"测试{n}",
        "性别": "男",
        "民族": "汉族",
        "身份证号": make_id_number("450102", born, "M"),
        "出生年月": born.strftime("%Y.%m.%d"),
        "政治面貌": "群众",
        "学历": "本科",
        "手机": "13800138000",
        "所属群体": "民营企业和外商投资企业管理技术人员",
        "所在县区": region,
        "工作单位": "南宁某公司",
    }
    row.update(over)
    return [row[h] for h in HEADER]


def write_xlsx(path: Path, rows: list[list], *, title: str | None = "南宁市代表人士名单",
               header=HEADER, blank_rows: int = 1) -> Path:  # fmt: skip
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    sheet = workbook.add_worksheet("名单")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    r = 0
    if title:
        sheet.write_string(r, 0, title)
        r += 1
    r += blank_rows
    for c, text in enumerate(header):
        sheet.write_string(r, c, text)
    for row in rows:
        r += 1
        for c, value in enumerate(row):
            if isinstance(value, datetime.date):
                sheet.write_datetime(r, c, datetime.datetime.combine(value, datetime.time()),
                                     date_format)  # fmt: skip
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            elif isinstance(value, str) and value.startswith("="):
                sheet.write_formula(r, c, value, None, "缓存值")
            elif value is not None:
                sheet.write_string(r, c, value)
    workbook.close()
    return path


def write_csv(path: Path, rows: list[list], *, encoding="utf-8", header=HEADER) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([["" if v is None else str(v) for v in row] for row in rows])
    return path


def write_ods(path: Path, rows: list[list], *, header=HEADER) -> Path:
    def cell(value) -> str:
        return f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p></table:table-cell>'

    body = "".join(
        "<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>"
        for row in [header, *rows]
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="名单">{body}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type='
        '"application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


def unique_id(n: int, address_code: str = "450102") -> tuple[str, datetime.date, str]:
    """A valid resident ID distinct for every n < 10,000,000: (number, birth date, sex)."""
    from stdnum.cn.ric import calc_check_digit

    born = datetime.date(1950, 1, 1) + datetime.timedelta(days=n // 1000)
    first17 = f"{address_code}{born:%Y%m%d}{n % 1000:03d}"
    return first17 + calc_check_digit(first17 + "0"), born, "M" if n % 2 else "F"


def many_rows(count: int, start: int = 0) -> list[list]:
    rows = []
    for n in range(start, start + count):
        number, born, sex = unique_id(n)
        rows.append(roster_row(n, f"测试{n}", 身份证号=number, 性别="男" if sex == "M" else "女",
                               出生年月=born.strftime("%Y-%m-%d")))  # fmt: skip
    return rows
