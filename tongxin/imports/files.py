"""Opening an uploaded roster safely and reading its rows.

Every check runs before any parser sees the file, and each refusal is an
ImportFileError with a Chinese message for the person who uploaded it:

- size over settings.UPLOAD_MAX_MEGABYTES;
- content that is not what a spreadsheet looks like (magic bytes, zip members);
- zip bombs: declared uncompressed size or compression ratio out of proportion;
- XML entity tricks: a DOCTYPE or ENTITY declaration in any XML member. A
  DOCTYPE may only stand in the prolog, so reading the start of each member
  is enough and nothing is extracted to disk;
- empty sheets.

Cells are read by python-calamine, which returns the cached result of a
formula and never evaluates it.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from tongxin.core import options

from .extent import check_extent, read_budget
from .reading import ImportFileError, detect_encoding, short_message

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".csv"}

# An xlsx of 100,000 rows × 30 columns expands to about 20× its size; a zip
# bomb to thousands of times. Members under a megabyte may compress as well
# as they like (a sheet of blank cells does).
MAX_RATIO = 200
RATIO_FLOOR_BYTES = 1 << 20
MAX_MEMBERS = 5000
PROLOG_BYTES = 4096


@dataclass(frozen=True)
class Sheet:
    """The rows of the first non-empty sheet; `first_row` is the Excel number of rows[0]."""

    rows: Iterator[list]
    first_row: int
    first_column: int
    kind: str
    height: int = 0  # rows down to the last used one, when the reader knows it


def max_upload_bytes() -> int:
    return int(options.value("upload_max_megabytes")) * 1024 * 1024


def max_uncompressed_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_UNCOMPRESSED_MEGABYTES", 2048)) * 1024 * 1024


def check_file(path: Path, file_name: str) -> str:
    """Refuse hostile or unreadable files; return the kind: xlsx, xls, ods or csv."""
    suffix = Path(file_name).suffix.lower()
    if suffix not in SUFFIXES:
        raise ImportFileError("只能导入 .xlsx、.xls、.ods 或 .csv 文件")
    size = path.stat().st_size
    if size == 0:
        raise ImportFileError("文件是空的")
    limit = max_upload_bytes()
    if size > limit:
        raise ImportFileError(
            f"文件大小为 {size / 1048576:.1f} MB，超过 {limit // 1048576} MB 的上限，请拆分后分批导入"
        )
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(ZIP_MAGIC):
        return _check_zip(path)
    if head == OLE_MAGIC:
        if suffix == ".csv":
            raise ImportFileError("文件扩展名为 .csv，但内容是 Excel 97-2003 文件，请改为 .xls")
        return "xls"
    if suffix == ".csv":
        return "csv"
    text_kind = _sniff_text(path)
    if text_kind == "html":
        return "html"
    if text_kind in SAVED_AS_OTHER:
        from .html_table import SAVE_AS_XLSX

        raise ImportFileError(
            f"这个文件扩展名是 {suffix}，实际上是{SAVED_AS_OTHER[text_kind]}，不能直接导入。"
            + SAVE_AS_XLSX
        )
    if text_kind == "text" and suffix == ".xls":
        return "csv"  # older systems name tab-separated text .xls
    raise ImportFileError("文件内容不是 Excel 或 ODS 表格（可能已损坏，或只是改了扩展名）")


# What "xls" files turn out to be when they are not Excel 97-2003 files.
SAVED_AS_OTHER = {
    "spreadsheetml": "“XML 表格 2003”格式",
    "mht": "“单个文件网页（.mht）”格式",
}


def _sniff_text(path: Path) -> str | None:
    """html, spreadsheetml, mht, text (no markup) or None, from the file's first 8 KB."""
    with path.open("rb") as handle:
        head = handle.read(8192)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    elif b"\x00" in head:
        return None
    lowered = head.lstrip(codecs.BOM_UTF8).lstrip().lower()
    if lowered.startswith(b"mime-version:"):
        return "mht"
    if b"urn:schemas-microsoft-com:office:spreadsheet" in lowered and b"<workbook" in lowered:
        return "spreadsheetml"
    if any(tag in lowered for tag in (b"<html", b"<table", b"<!doctype html")):
        return "html"
    try:
        detect_encoding(head)
    except ImportFileError:
        return None
    return "text"


def _check_zip(path: Path) -> str:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise ImportFileError("文件已损坏，无法作为 Excel 表格打开") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise ImportFileError("文件结构异常（压缩包成员过多），已拒绝导入")
        total = sum(m.file_size for m in members)
        if total > max_uncompressed_bytes():
            raise ImportFileError(
                f"文件解压后达 {total / 1048576:.0f} MB，疑似“压缩炸弹”，已拒绝导入"
            )
        for member in members:
            if member.file_size > RATIO_FLOOR_BYTES and member.file_size > MAX_RATIO * max(
                member.compress_size, 1
            ):
                raise ImportFileError("文件压缩比异常，疑似“压缩炸弹”，已拒绝导入")
        names = {m.filename for m in members}
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            kind = "xlsx"
        elif "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
            kind = "ods"
        else:
            raise ImportFileError("文件是压缩包，但不是 Excel（.xlsx）或 ODS 表格")
        for member in members:
            if member.filename.endswith((".xml", ".rels")) and _has_doctype(archive, member):
                raise ImportFileError(
                    f"文件中的 {member.filename} 含有 DOCTYPE/ENTITY 声明（可能是恶意构造的文件），已拒绝导入"
                )
    return kind


def _has_doctype(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    try:
        with archive.open(member) as stream:
            head = stream.read(PROLOG_BYTES)
    except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError):
        raise ImportFileError("文件已损坏或已加密，无法读取") from None
    # UTF-16 XML puts a NUL byte between ASCII characters.
    text = head.replace(b"\x00", b"").upper()
    return b"<!DOCTYPE" in text or b"<!ENTITY" in text


def read_sheet(path: Path, kind: str) -> Sheet:
    """The rows of the first sheet that holds data (after check_file)."""
    if kind == "csv":
        return Sheet(rows=_csv_rows(path), first_row=1, first_column=0, kind=kind)
    if kind == "html":
        from .html_table import html_table

        rows, height = html_table(path, read_budget())
        return Sheet(rows=rows, first_row=1, first_column=0, kind=kind, height=height)
    check_extent(path, kind)
    import python_calamine

    try:
        workbook = python_calamine.load_workbook(str(path))
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            start = sheet.start
            if start is None or sheet.height == 0:
                continue
            # iter_rows starts at row 1 (blank rows included) but at the first used column.
            return Sheet(
                rows=_calamine_rows(sheet),
                first_row=1,
                first_column=start[1],
                kind=kind,
                height=sheet.end[0] + 1,
            )
    except python_calamine.PasswordError:
        raise ImportFileError("文件设置了密码，请去掉密码后再导入") from None
    except (python_calamine.CalamineError, ValueError, OSError) as error:
        raise ImportFileError(f"无法读取表格内容（{short_message(error)}）") from None
    raise ImportFileError("表格是空的：没有任何数据")


def _calamine_rows(sheet) -> Iterator[list]:
    import python_calamine

    try:
        yield from sheet.iter_rows()
    except python_calamine.CalamineError as error:
        raise ImportFileError(f"无法读取表格内容（{short_message(error)}）") from None


def _csv_rows(path: Path) -> Iterator[list]:
    with path.open("rb") as handle:
        sample = handle.read(256 * 1024)
    if b"\x00" in sample:
        raise ImportFileError("文件内容不是文本格式的 CSV（可能是改了扩展名的其他文件）")
    encoding = detect_encoding(sample)
    text_sample = sample.decode(encoding, errors="ignore")
    try:
        dialect = csv.Sniffer().sniff(text_sample[:8192], delimiters=",\t;，")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    return _csv_iter(path, encoding, delimiter)


def _csv_iter(path: Path, encoding: str, delimiter: str) -> Iterator[list]:
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        try:
            yield from csv.reader(text, delimiter=delimiter)
        except UnicodeDecodeError:
            raise ImportFileError(
                f"CSV 文件中有无法按 {encoding} 解码的字符，请另存为 UTF-8 编码"
            ) from None
        except csv.Error as error:
            raise ImportFileError(f"CSV 格式错误（{error}）") from None
