"""Reading generated files in tests without the libraries that wrote them."""

import html
import io
import re
import xml.etree.ElementTree as ET
import zipfile

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def _unescape(text: str) -> str:
    """OOXML writes control characters as _xHHHH_ (ECMA-376 ST_Xstring)."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def _column_index(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref).group(0)
    index = 0
    for letter in letters:
        index = index * 26 + (ord(letter) - 64)
    return index - 1


def read_xlsx_cells(data: bytes, sheet: int = 1) -> list[list[tuple[str, str]]]:
    """Rows of (value, type) read straight from the sheet XML, no spreadsheet library.

    type is the cell's t attribute ("s", "inlineStr", "n" …) or "formula"
    when the cell holds a formula, so a test can tell text from a formula.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        shared = []
        if "xl/sharedStrings.xml" in archive.namelist():
            root = ET.fromstring(archive.read("xl/sharedStrings.xml"))
            for si in root.findall("m:si", NS):
                shared.append("".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")))
        root = ET.fromstring(archive.read(f"xl/worksheets/sheet{sheet}.xml"))
    rows = []
    for row in root.iter(f"{{{NS['m']}}}row"):
        cells: list[tuple[str, str]] = []
        for c in row.findall("m:c", NS):
            col = _column_index(c.get("r"))
            while len(cells) < col:
                cells.append(("", ""))
            kind = c.get("t", "n")
            if c.find("m:f", NS) is not None:
                cells.append((c.findtext("m:f", "", NS), "formula"))
            elif kind == "s":
                cells.append((_unescape(shared[int(c.findtext("m:v", "", NS))]), "s"))
            elif kind == "inlineStr":
                text = "".join(t.text or "" for t in c.iter(f"{{{NS['m']}}}t"))
                cells.append((_unescape(text), "inlineStr"))
            else:
                cells.append((c.findtext("m:v", "", NS), kind))
        rows.append(cells)
    return rows


def xlsx_values(data: bytes) -> list[list[str]]:
    return [[value for value, _ in row] for row in read_xlsx_cells(data)]


def docx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("word/document.xml").decode()
    return html.unescape("".join(re.findall(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>", xml)))
