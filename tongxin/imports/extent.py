"""Bounded reading: a sheet's real extent, measured before calamine opens it.

python-calamine builds a sheet's whole bounding box in memory, 32 bytes a
cell, before we see a single row: a 1.7 KB xlsx with values at XFD1 and
A1048576 asks for 549 GB and aborts the process (Rust does not raise on a
failed allocation); values at ALL1 and A200000 take 6.4 GB. ODS repeats
(number-rows-repeated / number-columns-repeated) expand the same way. So the
cells' real extent is measured from the XML, streamed, before calamine is
allowed to open the sheet. Cells without a value (styled, empty) are not
counted: calamine skips them, and Excel writes them for formatted ranges.
The <dimension> element is not trusted either way: calamine caps the
capacity it reserves from it, and writers get it wrong.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from django.conf import settings

from tongxin.core import options

from .reading import ImportFileError, ReadBudget, short_message


def read_budget() -> ReadBudget:
    return ReadBudget(
        rows=int(options.value("import_max_rows")),
        columns=int(options.value("import_max_columns")),
        cells=int(getattr(settings, "IMPORT_MAX_CELLS", 10_000_000)),
    )


def check_extent(path: Path, kind: str) -> None:
    """Refuse a sheet whose cells reach beyond read_budget(), before calamine reads it."""
    budget = read_budget()
    if kind == "xlsx":
        with zipfile.ZipFile(path) as archive:
            for member in _xlsx_sheet_members(archive):
                if _xlsx_extent(archive, member, budget):
                    return  # calamine reads the first sheet with a value
    elif kind == "ods":
        with zipfile.ZipFile(path) as archive:
            _ods_extent(archive, budget)
    elif kind == "xls":
        _xls_extent(path, budget)


def _xml_events(stream, tags: tuple[str, ...], events=("end",)):
    from lxml import etree

    # DOCTYPE was refused by check_file; entities and network stay off anyway,
    # and huge_tree=False keeps libxml2's limits on text and depth.
    return etree.iterparse(
        stream, events=events, tag=tags, resolve_entities=False, no_network=True,
        load_dtd=False, huge_tree=False,
    )  # fmt: skip


def _forget(element) -> None:
    """Free an element and its finished siblings: memory stays flat however long the sheet."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _xlsx_sheet_members(archive: zipfile.ZipFile) -> list[str]:
    """The worksheets' zip members in the workbook's sheet order."""
    names = set(archive.namelist())
    try:
        targets = {}
        with archive.open("xl/_rels/workbook.xml.rels") as stream:
            for _event, item in _xml_events(stream, ("{*}Relationship",)):
                target = item.get("Target", "").lstrip("/")
                targets[item.get("Id")] = target if target.startswith("xl/") else f"xl/{target}"
        order = []
        with archive.open("xl/workbook.xml") as stream:
            for _event, item in _xml_events(stream, ("{*}sheet",)):
                rel = next((v for k, v in item.attrib.items() if k.endswith("}id")), None)
                if targets.get(rel) in names:
                    order.append(targets[rel])
    except (KeyError, SyntaxError, zipfile.BadZipFile):
        order = []
    others = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    # Every worksheet is checked; those the workbook does not list come last.
    return order + [n for n in others if n not in order]


def _cell_position(ref: str) -> tuple[int, int] | None:
    column = 0
    for index, char in enumerate(ref):
        if "A" <= char <= "Z":
            column = column * 26 + ord(char) - 64
        elif char.isdigit() and index:
            return int(ref[index:]), column
        else:
            return None
    return None


# The fast scan: regular expressions over the inflated XML, a megabyte at a
# time. It understands only the form every spreadsheet writer uses, <c r="B7"
# …>, and proves that every cell has that form (counting all <c> starts);
# anything else (no r, a namespace prefix, quotes or spacing of its own) goes
# to the XML parser below. On a 100,000 × 19 roster (110 MB of XML): 1.3 s,
# against 4.6 s for lxml.iterparse and 1.1 s for calamine's own read.
_ANY_CELL = re.compile(rb"<c[\s/>]")
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_VALUE_COLUMNS = re.compile(rb'<c r="([A-Z]{1,3})[0-9]{1,7}"[^>]*(?<!/)>')
_VALUE_ROWS = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"[^>]*(?<!/)>')
_CHUNK = 1 << 20


def _xlsx_extent_fast(
    archive: zipfile.ZipFile, member: str, budget: ReadBudget
) -> tuple[int, int] | None:
    """(last row, last column) holding a value, or None when the XML is not in the usual form.

    Raises as soon as a megabyte holds a value beyond the budget.
    """
    last_row = last_column = 0
    tail = b""
    with archive.open(member) as stream:
        while True:
            block = stream.read(_CHUNK)
            data = tail + block
            if block:
                cut = data.rfind(b"<")
                if cut < 0 or len(data) - cut > _CHUNK:
                    return None  # a tag longer than a megabyte: not a usual sheet
                data, tail = data[:cut], data[cut:]
            if data.count(b'<c r="') != len(_ANY_CELL.findall(data)) or _PREFIXED_CELL.search(data):
                return None
            rows = set(_VALUE_ROWS.findall(data))
            if rows:
                last_row = max(last_row, max(map(int, rows)))
                columns = set(_VALUE_COLUMNS.findall(data))
                last_column = max(last_column, max(map(_column_number, columns)))
                budget.refuse(last_row, last_column)
            if not block:
                return last_row, last_column


def _column_number(letters: bytes) -> int:
    number = 0
    for code in letters:
        number = number * 26 + code - 64
    return number


def _xlsx_extent(archive: zipfile.ZipFile, member: str, budget: ReadBudget) -> bool:
    """Whether the sheet holds a value; raises once a value lies beyond the budget."""
    try:
        fast = _xlsx_extent_fast(archive, member, budget)
    except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError):
        raise ImportFileError("文件已损坏或已加密，无法读取") from None
    if fast is not None:
        return fast[0] > 0
    return _xlsx_extent_parsed(archive, member, budget)


def _xlsx_extent_parsed(archive: zipfile.ZipFile, member: str, budget: ReadBudget) -> bool:
    from lxml import etree

    last_row = last_column = 0
    row = column = 0
    try:
        with archive.open(member) as stream:
            events = _xml_events(stream, ("{*}row", "{*}c"), events=("start", "end"))
            for event, item in events:
                if item.tag.endswith("row"):
                    if event == "start":
                        number = item.get("r")
                        row = int(number) if number and number.isdigit() else row + 1
                        column = 0
                    else:
                        _forget(item)
                    continue
                if event == "start":
                    continue
                ref = item.get("r")
                position = _cell_position(ref) if ref else None
                if position:
                    row, column = position
                else:
                    column += 1
                if len(item):  # <v>, <is> or <f>: calamine keeps it
                    if row > last_row or column > last_column:
                        last_row, last_column = max(row, last_row), max(column, last_column)
                        budget.refuse(last_row, last_column)
                _forget(item)
    except etree.XMLSyntaxError as error:
        raise ImportFileError(f"文件已损坏，工作表无法读取（{short_message(error)}）") from None
    except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError):
        raise ImportFileError("文件已损坏或已加密，无法读取") from None
    return last_row > 0


_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _ods_extent(archive: zipfile.ZipFile, budget: ReadBudget) -> None:
    """The same for the tables of an ODS, counting repeated rows and columns as calamine expands them."""
    from lxml import etree

    tags = (f"{_TABLE}table", f"{_TABLE}table-row", f"{_TABLE}table-cell",
            f"{_TABLE}covered-table-cell")  # fmt: skip
    last_row = last_column = row = column = 0
    row_has_value = False
    try:
        with archive.open("content.xml") as stream:
            for event, item in _xml_events(stream, tags, events=("start", "end")):
                tag = item.tag[len(_TABLE) :]
                if tag == "table":
                    if event == "start":
                        row = column = 0
                    elif last_row:
                        return  # calamine reads the first table with a value
                    continue
                if event == "start":
                    if tag == "table-row":
                        column, row_has_value = 0, False
                    continue
                if tag == "table-row":
                    repeat = _repeat(item, "number-rows-repeated")
                    if row_has_value:
                        last_row = max(last_row, row + repeat)
                        budget.refuse(last_row, last_column)
                    row += repeat
                    _forget(item)
                    continue
                repeat = _repeat(item, "number-columns-repeated")
                if item.get(f"{_OFFICE}value-type") or len(item):
                    row_has_value = True
                    last_column = max(last_column, column + repeat)
                    budget.refuse(max(last_row, row + 1), last_column)
                column += repeat
                item.clear()
    except KeyError:
        raise ImportFileError("ODS 文件缺少 content.xml，已损坏") from None
    except etree.XMLSyntaxError as error:
        raise ImportFileError(f"文件已损坏，工作表无法读取（{short_message(error)}）") from None
    except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError):
        raise ImportFileError("文件已损坏或已加密，无法读取") from None


def _repeat(item, name: str) -> int:
    value = item.get(f"{_TABLE}{name}", "1")
    return int(value) if value.isdigit() else 1


# An .xls (BIFF) cannot reach past 65,536 rows × 256 columns (16.7 M cells,
# about 540 MB to calamine), but its records are not XML: calamine itself
# measures it, in a child process whose address space is capped, so a
# hostile file ends the child, not the server.
_XLS_PROBE = """
import json, resource, sys
limit = int(sys.argv[2]) * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
import python_calamine
try:
    workbook = python_calamine.load_workbook(sys.argv[1])
    for name in workbook.sheet_names:
        sheet = workbook.get_sheet_by_name(name)
        if sheet.start is not None and sheet.height:
            print(json.dumps([sheet.end[0] + 1, sheet.end[1] + 1]))
            break
except (python_calamine.CalamineError, ValueError, OSError):
    sys.exit(3)  # unreadable: the reader in the parent says why
"""


def _xls_extent(path: Path, budget: ReadBudget) -> None:
    import json
    import subprocess
    import sys

    memory = int(getattr(settings, "IMPORT_READ_MEMORY_MEGABYTES", 1536))
    seconds = int(getattr(settings, "IMPORT_READ_SECONDS", 120))
    try:
        probe = subprocess.run(
            [sys.executable, "-c", _XLS_PROBE, str(path), str(memory)],
            capture_output=True, timeout=seconds, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise ImportFileError(
            f"读取表格超过 {seconds} 秒仍未完成，已停止；请另存为 .xlsx 后再导入"
        ) from None
    if probe.returncode == 3:
        return
    if probe.returncode != 0:
        raise ImportFileError(
            f"读取表格所需内存超过 {memory} MB 的上限（表格过大或结构异常），"
            "未写入任何数据；请删除多余的行和列，或另存为 .xlsx 后分批导入"
        )
    output = probe.stdout.strip()
    if output:
        rows, columns = json.loads(output)
        budget.refuse(rows, columns)
