"""The roster as a table (read from xlsx, xls, csv or an HTML table), and
what every step of an import shares: the progress callback and chunk sizes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .files import ImportFileError, check_file, read_sheet
from .parsing import (
    cell_text,
    find_header,
)

Progress = Callable[[str, int, int], None]

PROGRESS_EVERY = 2000
LOOKUP_CHUNK = 2000


def no_progress(phase: str, done: int, total: int) -> None:
    return None


@dataclass
class Table:
    """A checked file, its header row and an iterator over the rows below it."""

    kind: str
    header: list[str]
    header_row: int  # Excel row number of the header
    rows: Iterator[list]
    size_hint: int  # rows below the header, when the reader knows it


def read_table(path: Path, file_name: str) -> Table:
    """Check the file, find its header; raise ImportFileError with a Chinese message."""
    kind = check_file(path, file_name)
    sheet = read_sheet(path, kind)
    rows = iter(sheet.rows)
    index, seen = find_header(rows)
    if not any(any(cell_text(c).strip() for c in row) for row in seen):
        raise ImportFileError("表格是空的：没有任何数据")
    if index < 0:
        raise ImportFileError(
            "没有找到表头：前30行中没有同时含“姓名”或“公民身份号码”等列名的一行，"
            "请确认第一张工作表是人员名单"
        )
    header = [cell_text(c).strip() for c in seen[index]]
    while header and not header[-1]:
        header.pop()
    height = sheet.height or _count_lines(path)
    size_hint = max(0, height - (index + 1))
    return Table(
        kind=kind,
        header=header,
        header_row=sheet.first_row + index,
        rows=rows,
        size_hint=size_hint,
    )


def _count_lines(path: Path) -> int:
    """Lines of a CSV (a quoted cell may span lines: an estimate for progress)."""
    with path.open("rb") as handle:
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
