"""Bounded reading (issue 17): a file whose cells sit far out is refused, in
Chinese, before the reader allocates anything for it, through the web upload
and the command line alike, and the process that read it lives on.

Read naively, the first file here (1.7 KB) makes python-calamine ask for
549,755,813,888 bytes and abort the whole process."""

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from tongxin.imports.committing import import_file
from tongxin.imports.files import ImportFileError, check_extent
from tongxin.imports.models import ImportBatch
from tongxin.imports.tests.hostile import (
    ods_cell,
    ods_row,
    write_raw_ods,
    write_sparse_xlsx,
    xlsx_cell,
)
from tongxin.imports.tests.rosters import HEADER, roster_row, write_ods, write_xlsx
from tongxin.people.models import Person

pytestmark = pytest.mark.django_db

TOO_BIG = "表格的数据范围过大"
XLS_ROSTER = Path(__file__).parent / "fixtures" / "roster.xls"


def _header_cells() -> dict[str, object]:
    return {f"{chr(65 + i)}1": text for i, text in enumerate(HEADER)}


def far_corners(path: Path) -> Path:
    """The issue's file: values at A1, XFD1 and A1048576."""
    return write_sparse_xlsx(path, {"A1": "姓名", "XFD1": "x", "A1048576": "y"})


def sparse_far_cells(path: Path) -> Path:
    """A real header and row, then two stray values at ALL1 and A200000 (6.4 GB to calamine)."""
    cells = _header_cells()
    cells.update({f"{chr(65 + i)}2": v for i, v in enumerate(roster_row(1))})
    cells.update({"ALL1": "备注", "A200001": "x"})
    return write_sparse_xlsx(path, cells)


def a_million_rows(path: Path) -> Path:
    return write_sparse_xlsx(path, {**_header_cells(), "B1048576": "张三"})


def a_wide_sheet(path: Path) -> Path:
    from tongxin.imports.parsing import column_letter

    cells = _header_cells()
    cells.update({f"{column_letter(i)}1": f"列{i}" for i in range(len(HEADER), 300)})
    return write_sparse_xlsx(path, cells)


def repeated_ods_rows(path: Path) -> Path:
    header = "".join(ods_cell(h) for h in HEADER)
    return write_raw_ods(path, ods_row(header) + ods_row(ods_cell("张三"), repeat=1_000_000))


def repeated_ods_columns(path: Path) -> Path:
    header = "".join(ods_cell(h) for h in HEADER)
    return write_raw_ods(path, ods_row(header + ods_cell("x", repeat=16000)))


HOSTILE = {
    "far_corners.xlsx": far_corners,
    "sparse_far_cells.xlsx": sparse_far_cells,
    "a_million_rows.xlsx": a_million_rows,
    "a_wide_sheet.xlsx": a_wide_sheet,
    "repeated_rows.ods": repeated_ods_rows,
    "repeated_columns.ods": repeated_ods_columns,
}


def peak_rss_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def test_the_far_corner_file_is_tiny(tmp_path):
    assert far_corners(tmp_path / "名单.xlsx").stat().st_size < 2000


@pytest.mark.parametrize("name", HOSTILE)
def test_the_web_upload_refuses_it_in_chinese(name, tmp_path, client_for, city_user, make_person):
    make_person("张三")
    path = HOSTILE[name](tmp_path / name)
    client = client_for(city_user)
    before = peak_rss_mb()
    started = time.monotonic()
    with path.open("rb") as handle:
        upload = SimpleUploadedFile(path.name, handle.read())
    response = client.post(reverse("imports:upload"), {"file": upload})
    assert time.monotonic() - started < 5
    assert peak_rss_mb() - before < 200  # nothing like the grid was allocated
    # The read task refused it (run inside the request by the test's immediate backend;
    # in production the worker does, and the batch page shows the same message).
    assert response.status_code == 400
    text = response.content.decode()
    assert TOO_BIG in text and "请删除表格右侧和下方无关的内容" in text
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED and TOO_BIG in batch.error_message
    assert not batch.file  # the stored upload is deleted
    assert Person.objects.count() == 1
    page = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert TOO_BIG in page and "重新上传" in page


@pytest.mark.parametrize("name", HOSTILE)
def test_the_command_line_refuses_it_in_chinese(name, tmp_path, regions):
    path = HOSTILE[name](tmp_path / name)
    with pytest.raises(CommandError, match=TOO_BIG):
        call_command("import", str(path), "--commit")
    assert not ImportBatch.objects.exists()
    assert not Person.objects.exists()


def test_the_real_command_lives_to_say_so(tmp_path):
    """`tongxin import` in its own process: an exit with the message, not an abort."""
    path = far_corners(tmp_path / "名单.xlsx")
    env = {**os.environ, "TONGXIN_ALLOW_INSECURE_KEY": "1", "TONGXIN_DATA_DIR": str(tmp_path),
           "TONGXIN_DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"}  # fmt: skip
    command = [sys.executable, "-m", "tongxin.cli", "import", str(path), "--commit"]
    started = time.monotonic()
    done = subprocess.run(command, cwd=settings.BASE_DIR, env=env, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert time.monotonic() - started < 30
    assert done.returncode == 1, done.stderr[-2000:]
    assert TOO_BIG in done.stderr
    assert "第 1,048,576 行" in done.stderr or "第 16,384 列" in done.stderr


def test_the_declared_dimension_alone_is_not_held_against_a_file(tmp_path, regions):
    """calamine does not allocate for <dimension>, and writers get it wrong: the cells decide."""
    cells = _header_cells()
    cells.update({f"{chr(65 + i)}2": v for i, v in enumerate(roster_row(1, "张三"))})
    path = write_sparse_xlsx(tmp_path / "名单.xlsx", cells, dimension="A1:XFD1048576")
    result = import_file(actor=None, path=path, commit=True)
    assert result.analysis.counts["created"] == 1
    assert list(Person.objects.values_list("name", flat=True)) == ["张三"]


def test_styled_empty_cells_far_out_do_not_count(tmp_path, regions):
    cells = _header_cells()
    cells.update({f"{chr(65 + i)}2": v for i, v in enumerate(roster_row(1, "张三"))})
    cells.update({"XFD5": None, "A1048576": None})
    path = write_sparse_xlsx(tmp_path / "名单.xlsx", cells)
    assert import_file(actor=None, path=path, commit=True).analysis.counts["created"] == 1


def test_the_budget_comes_from_settings(tmp_path, regions, settings):
    path = write_xlsx(tmp_path / "名单.xlsx", [roster_row(n) for n in range(1, 21)])
    settings.IMPORT_MAX_ROWS = 10
    with pytest.raises(ImportFileError, match="最多 10 行"):
        import_file(actor=None, path=path)
    settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_COLUMNS = 200_000, 5
    with pytest.raises(ImportFileError, match="200,000 行、5 列"):
        import_file(actor=None, path=path)
    settings.IMPORT_MAX_COLUMNS, settings.IMPORT_MAX_CELLS = 200, 100
    with pytest.raises(ImportFileError, match="共 100 个单元格"):
        import_file(actor=None, path=path)
    settings.IMPORT_MAX_CELLS = 10_000
    assert import_file(actor=None, path=path).analysis.counts["created"] == 20


@pytest.mark.parametrize(
    "row",
    [
        # cells without r: calamine counts them along the row
        "<row>" + xlsx_cell(None, "姓名") + xlsx_cell(None, "x") * 400 + "</row>",
        # a namespace prefix
        '<row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>姓名</x:t></x:is></x:c>'
        '<x:c r="XFD1048576" t="inlineStr"><x:is><x:t>y</x:t></x:is></x:c></row>',
        # single quotes and spacing of its own
        "<row r='1'><c r='A1' t='inlineStr'><is><t>姓名</t></is></c>"
        "<c  r = 'A900000'><v>1</v></c></row>",
    ],
)
def test_unusual_xml_is_measured_by_the_parser(row, tmp_path):
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><x:worksheet '
        'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<x:sheetData>{row}</x:sheetData></x:worksheet>"
    )
    path = write_sparse_xlsx(tmp_path / "名单.xlsx", {}, sheet_xml=sheet)
    with pytest.raises(ImportFileError, match=TOO_BIG):
        check_extent(path, "xlsx")


def test_a_libreoffice_ods_with_trailing_empty_repeats_is_read(tmp_path, regions):
    """LibreOffice ends a sheet with a row repeated to 1,048,576 and columns to 1,024, all empty."""
    path = write_ods(tmp_path / "名单.ods", [roster_row(1, "张三")])
    import zipfile

    with zipfile.ZipFile(path) as archive:
        content = archive.read("content.xml").decode()
    tail = ods_row(ods_cell(None, repeat=1024), repeat=1_048_570)
    content = content.replace("</table:table>", tail + "</table:table>")
    write_raw_ods(
        path, content.split('<table:table table:name="名单">')[1].split("</table:table>")[0]
    )
    assert import_file(actor=None, path=path, commit=True).analysis.counts["created"] == 1


def test_an_xls_is_measured_in_a_child_process(settings, regions):
    settings.IMPORT_MAX_ROWS = 5
    with pytest.raises(ImportFileError, match=TOO_BIG):
        import_file(actor=None, path=XLS_ROSTER)
    settings.IMPORT_MAX_ROWS = 200_000
    settings.IMPORT_READ_MEMORY_MEGABYTES = 8  # the child cannot even start calamine
    with pytest.raises(ImportFileError, match="读取表格所需内存超过 8 MB 的上限"):
        import_file(actor=None, path=XLS_ROSTER)
    assert not Person.objects.exists()
