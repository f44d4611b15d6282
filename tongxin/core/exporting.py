"""One way out to a spreadsheet for every report.

A report is one row iterator (a generator over the database, in its app)
wrapped in a `Table` with its headers; the same iterator can feed a page or
the API. The exporter writes tables, streaming:

- `XlsxBook`: any number of tables, one sheet each, through xlsxwriter in
  constant-memory mode (each row goes to disk as it is written). A report
  laid out like a paper form (附件1) writes its own cells on `book.workbook`.
- `write_list_xlsx`: one plain table of any length through our own
  SpreadsheetML writer (core/xlsx_stream.py), several times faster than
  xlsxwriter for the 100,000-row person list (bench/bench_export.py).

Every str is written as a string: a value that begins with = + - @ stays
text and never becomes a formula, a URL or a number in Excel.
"""

import datetime
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import xlsxwriter

from .xlsx_stream import XlsxRowWriter

# Nothing is ever turned into a formula, a URL or a number behind the user's back.
WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


@dataclass
class Table:
    """One sheet: a title and notes on top, the headers, then the rows.

    `formats` gives a number format per column ("0.00", "0.0%"); `ruled`
    draws borders and a shaded header (lists meant for print); `header_row`
    puts the headers on that row instead of right under the notes; `total`
    is a last row drawn like the header; `print_wide` prints A4 landscape,
    one page wide, the headers repeated on every page.
    """

    name: str
    headers: Sequence[str]
    rows: Iterable[Sequence]
    widths: Sequence[float | None] = ()
    title: str = ""
    notes: Sequence[str] = ()
    formats: Sequence[str | None] = ()
    ruled: bool = False
    header_row: int | None = None
    total: Sequence | None = None
    print_wide: bool = False
    written: int = field(default=0, init=False)


class XlsxBook:
    """An xlsx file of tables. Use as a context manager; the file is complete on exit."""

    def __init__(self, target, *, constant_memory: bool = True):
        # constant_memory writes each row to disk as it comes, so a row above
        # the last one written can no longer change: a form with cells merged
        # over rows already written (附件1) turns it off.
        self.workbook = xlsxwriter.Workbook(
            target, {**WORKBOOK_OPTIONS, "constant_memory": constant_memory}
        )
        self.names: list[str] = []
        self._formats: dict[tuple, object] = {}

    def __enter__(self) -> "XlsxBook":
        return self

    def __exit__(self, *exc) -> None:
        self.workbook.close()

    def format(self, **properties):
        """One xlsxwriter format per set of properties, made once."""
        key = tuple(sorted(properties.items()))
        if key not in self._formats:
            self._formats[key] = self.workbook.add_format(properties)
        return self._formats[key]

    def sheet(self, title: str):
        """A new sheet named after `title`: characters Excel refuses replaced,
        cut to fit, and numbered when the name is taken (Excel ignores case)."""
        base = title.translate(_BAD_SHEET_CHARS)[:28] or "表"
        name, n = base, 2
        taken = {used.lower() for used in self.names}
        while name.lower() in taken:
            name, n = f"{base[:26]}{n}", n + 1
        self.names.append(name)
        return self.workbook.add_worksheet(name)

    def table(self, table: Table) -> int:
        """Write `table` on a sheet of its own; returns the number of rows written."""
        sheet = self.sheet(table.name)
        border = {"border": 1} if table.ruled else {}
        head = self.format(bold=True, **({"bg_color": "#F2F2F2", **border} if table.ruled else {}))
        cells = [
            self.format(**border, **({"num_format": f} if f else {}))
            for f in _padded(table.formats, len(table.headers))
        ]
        dates = self.format(**border, num_format="yyyy-mm-dd")
        for col, width in enumerate(table.widths):
            if width is not None:
                sheet.set_column(col, col, width)
        row = 0
        if table.title:
            sheet.write_string(0, 0, table.title, self.format(bold=True))
            row = 1
        for note in table.notes:
            if note:
                sheet.write_string(row, 0, note)
            row += 1
        row = table.header_row if table.header_row is not None else row
        top = row
        for col, header in enumerate(table.headers):
            sheet.write_string(row, col, header, head)
        for values in table.rows:
            row += 1
            self._write_row(sheet, row, values, cells, dates, blanks=table.ruled)
            table.written += 1
        if table.total is not None:
            self._write_row(
                sheet, row + 1, table.total, [head] * len(table.total), head, blanks=True
            )
        if table.print_wide:
            sheet.freeze_panes(top + 1, 0)
            sheet.set_landscape()
            sheet.set_paper(9)  # A4
            sheet.repeat_rows(top)
            sheet.fit_to_pages(1, 0)
        return table.written

    @staticmethod
    def _write_row(sheet, row: int, values: Sequence, cells: list, dates, *, blanks: bool) -> None:
        for col, value in enumerate(values):
            cell = cells[col] if col < len(cells) else None
            if value is None or value == "":
                if blanks:  # an empty cell keeps its border
                    sheet.write_blank(row, col, None, cell)
            elif isinstance(value, str):
                sheet.write_string(row, col, value, cell)
            elif isinstance(value, bool):
                sheet.write_string(row, col, "是" if value else "否", cell)
            elif isinstance(value, int | float | Decimal):
                sheet.write_number(row, col, value, cell)
            elif isinstance(value, datetime.date):
                if not isinstance(value, datetime.datetime):
                    value = datetime.datetime.combine(value, datetime.time())
                sheet.write_datetime(row, col, value, dates)
            else:
                sheet.write_string(row, col, str(value), cell)


def _padded(formats: Sequence[str | None], n: int) -> list[str | None]:
    return [*formats, *([None] * (n - len(formats)))][:n]


def write_list_xlsx(
    target, table: Table, *, progress: Callable[[int], None] | None = None, every: int = 2000
) -> int:
    """One plain table (headers, widths, rows of str / int / float / date) of any
    length, with a bold frozen header; returns the number of rows written."""
    rows: Iterable[Sequence] = table.rows
    if progress is not None:
        rows = _with_progress(rows, progress, every)
    with XlsxRowWriter(
        target, sheet_name=table.name, headers=list(table.headers), widths=list(table.widths)
    ) as writer:
        writer.write_rows(rows)
    table.written = writer.rows
    return writer.rows


def _with_progress(
    rows: Iterable[Sequence], progress: Callable[[int], None], every: int
) -> Iterator[Sequence]:
    count = 0
    for count, row in enumerate(rows, start=1):
        yield row
        if count % every == 0:
            progress(count)
    progress(count)
