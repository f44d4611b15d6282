"""What every reader of an import file shares: the refusal, the read budget
and the CSV/HTML text encoding. Its own module so that the readers
(files.py, extent.py, html_table.py) import it and not each other."""

from __future__ import annotations

import codecs
from dataclasses import dataclass


class ImportFileError(Exception):
    """A file the importer refuses; `message` says why, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def short_message(error: Exception) -> str:
    """The first line of a reader's error, for a refusal's message."""
    return str(error).splitlines()[0][:120] if str(error) else type(error).__name__


def detect_encoding(sample: bytes) -> str:
    """utf-8-sig (BOM), utf-8 or gb18030 (a superset of GBK and GB2312)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for encoding in ("utf-8", "gb18030"):
        try:
            # The sample may end inside a multi-byte character; decode incrementally.
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ImportFileError("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码")


@dataclass(frozen=True)
class ReadBudget:
    """The largest sheet the importer reads (settings IMPORT_MAX_ROWS, _COLUMNS, _CELLS)."""

    rows: int
    columns: int
    cells: int  # of the box from A1 to the last row and column with a value

    def refuse(self, rows: int, columns: int) -> None:
        if rows <= self.rows and columns <= self.columns and rows * columns <= self.cells:
            return
        raise ImportFileError(
            f"表格的数据范围过大：有内容的单元格至少延伸到第 {rows:,} 行、第 {columns:,} 列"
            f"（{column_name(columns)}列），超过导入上限（最多 {self.rows:,} 行、"
            f"{self.columns:,} 列、共 {self.cells:,} 个单元格），未读取、未写入任何数据。"
            "请删除表格右侧和下方无关的内容（选中多余的行或列→删除），"
            "或把名单拆成几个文件分批导入"
        )


def column_name(number: int) -> str:
    """1 → A, 16384 → XFD."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters or "A"
