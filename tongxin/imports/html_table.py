"""'.xls' files that are web pages: WPS, Excel's 'save as web page' and many
older systems write an HTML table and name it .xls. Users cannot tell the
difference, so the importer reads the table as it is.

The page is streamed through the standard library's html.parser a block at a
time: memory holds the current row, never the page. Merged cells (colspan,
rowspan) leave blanks where Excel would, so columns stay in place. The same
row and column budget as every other reader applies (files.read_budget).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

from .parsing import find_header
from .reading import ImportFileError, ReadBudget, detect_encoding

_BLOCK = 256 * 1024
_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_-]+)""", re.IGNORECASE)
_ROW_START = re.compile(rb"<tr[\s>]", re.IGNORECASE)

SAVE_AS_XLSX = (
    "请用 WPS 表格或 Excel 打开该文件，点“文件”→“另存为”，"
    "“文件类型”选“Excel 工作簿（*.xlsx）”，保存后导入新保存的 .xlsx 文件"
)


def html_encoding(path: Path) -> str:
    """BOM, then <meta charset>, then UTF-8 or GB18030 by trial."""
    with path.open("rb") as handle:
        head = handle.read(_BLOCK)
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if head.startswith(bom):
            return encoding
    declared = _CHARSET.search(head[:8192])
    if declared:
        name = declared[1].decode("ascii").lower()
        if name in {"gb2312", "gbk", "gb18030", "x-gbk", "cp936"}:
            return "gb18030"
        try:
            return codecs.lookup(name).name
        except LookupError:
            pass
    return detect_encoding(head)


class _TableRows(HTMLParser):
    """Collects finished rows as (table number, cells); fed block by block."""

    def __init__(self, budget: ReadBudget):
        super().__init__(convert_charrefs=True)
        self.budget = budget
        self.finished: list[tuple[int, list[str]]] = []
        self.tables = -1
        self.depth = 0  # nested tables: only the outermost rows count
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.colspan = 1
        self.rowspan = 1
        self.spans: dict[int, int] = {}  # column → rows it is still covered by a rowspan
        self.rows_in_table = 0
        self.skip = 0  # inside <script>/<style>

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self.skip += 1
        elif tag == "table":
            self.depth += 1
            if self.depth == 1:
                self.tables += 1
                self.spans, self.rows_in_table = {}, 0
        elif self.depth != 1:
            if tag == "br" and self.cell is not None:
                self.cell.append("\n")
        elif tag == "tr":
            self._end_row()
            self.row = []
        elif tag in {"td", "th"}:
            if self.row is None:
                self.row = []
            self._end_cell()
            values = dict(attrs)
            self.colspan = _span(values.get("colspan"))
            self.rowspan = _span(values.get("rowspan"))
            self.cell = []
        elif tag == "br" and self.cell is not None:
            self.cell.append("\n")

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self.skip = max(0, self.skip - 1)
        elif tag == "table":
            if self.depth == 1:
                self._end_row()
            self.depth = max(0, self.depth - 1)
        elif self.depth != 1:
            return
        elif tag in {"td", "th"}:
            self._end_cell()
        elif tag == "tr":
            self._end_row()

    def handle_data(self, data):
        if self.cell is not None and not self.skip:
            self.cell.append(data)

    def _covered(self) -> None:
        """Blank cells where a rowspan from above reaches into this row."""
        while self.spans.get(len(self.row), 0) > 0:
            self.row.append("")

    def _end_cell(self) -> None:
        if self.cell is None or self.row is None:
            return
        text = "".join(self.cell).replace("\xa0", " ")
        text = "\n".join(line.strip() for line in text.strip().splitlines())
        self._covered()
        start = len(self.row)
        if start + self.colspan > self.budget.columns:
            self.budget.refuse(self.tables_row(), start + self.colspan)
        self.row.append(text)
        self.row.extend([""] * (self.colspan - 1))
        if self.rowspan > 1:
            for column in range(start, start + self.colspan):
                self.spans[column] = self.rowspan  # counted down as rows end
        self.cell = None

    def tables_row(self) -> int:
        return self.rows_in_table + 1

    def _end_row(self) -> None:
        self._end_cell()
        if self.row is None:
            return
        self._covered()
        # Spans set in this row cover the next rowspan-1 rows.
        for column in list(self.spans):
            self.spans[column] -= 1
            if self.spans[column] <= 0:
                del self.spans[column]
        self.rows_in_table += 1
        if self.rows_in_table > self.budget.rows:
            self.budget.refuse(self.rows_in_table, len(self.row))
        self.finished.append((self.tables, self.row))
        self.row = None


def _span(value) -> int:
    try:
        return max(1, min(int(str(value).strip()), 1_000_000))
    except (TypeError, ValueError):
        return 1


def _rows(path: Path, encoding: str, budget: ReadBudget) -> Iterator[tuple[int, list[str]]]:
    parser = _TableRows(budget)
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            parser.feed(decoder.decode(block))
            yield from parser.finished
            parser.finished.clear()
    parser.feed(decoder.decode(b"", final=True))
    parser.close()
    parser._end_row()
    yield from parser.finished


def html_table(path: Path, budget: ReadBudget) -> tuple[Iterator[list], int]:
    """(rows of the first table that has a header row, an estimate of its height)."""
    encoding = html_encoding(path)
    chosen = None
    current, first_rows = -1, []
    for table, row in _rows(path, encoding, budget):
        if table != current:
            current, first_rows = table, []
        if len(first_rows) < 30:
            first_rows.append(row)
            index, _seen = find_header(iter(first_rows))
            if index >= 0:
                chosen = table
                break
    if chosen is None:
        raise ImportFileError(
            "这个文件扩展名是 .xls，实际上是网页（HTML）格式，其中没有找到带“姓名”或“公民身份号码”"
            "等列名的表格。" + SAVE_AS_XLSX
        )
    return (row for table, row in _rows(path, encoding, budget) if table == chosen), _count_rows(
        path
    )


def _count_rows(path: Path) -> int:
    """<tr> tags in the file: the progress bar's estimate (other tables included)."""
    count, tail = 0, b""
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            data = tail + block
            count += len(_ROW_START.findall(data))
            tail = data[-3:]  # a match is 4 bytes: none lies wholly in the tail
    return count
