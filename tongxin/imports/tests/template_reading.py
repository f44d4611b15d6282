"""Reading the roster template back as a spreadsheet program sees it: the
header, the example row, the frozen pane, and each column's validation with
its dropdown values (inline lists and named ranges on the hidden sheet)."""

import io
import re
import zipfile
from dataclasses import dataclass, field

import python_calamine
from lxml import etree

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_RANGE = re.compile(
    r"^'?(?P<sheet>[^'!]+)'?!\$?(?P<c1>[A-Z]+)\$?(?P<r1>\d+):\$?(?P<c2>[A-Z]+)\$?(?P<r2>\d+)$"
)


def _column_index(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number - 1


@dataclass
class Column:
    header: str
    kind: str = ""  # the validation type; "" for input help only
    prompt: str = ""
    prompt_title: str = ""
    values: list[str] = field(default_factory=list)
    named_range: str = ""


@dataclass
class Template:
    header: list[str]
    rows: list[list]
    columns: dict[str, Column]  # by header text
    frozen_rows: int
    sheet_states: dict[str, str]  # sheet name → "visible" / "hidden"
    sheet_xml: bytes


def read_template(data: bytes) -> Template:
    archive = zipfile.ZipFile(io.BytesIO(data))
    workbook = etree.fromstring(archive.read("xl/workbook.xml"))
    rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target") for rel in rels}
    sheets = workbook.find(f"{MAIN}sheets")
    first = sheets[0]
    target = targets[first.get(f"{REL}id")].lstrip("/")
    sheet_path = target if target.startswith("xl/") else f"xl/{target}"
    sheet_xml = archive.read(sheet_path)
    states = {s.get("name"): s.get("state", "visible") for s in sheets}
    names = {}
    defined = workbook.find(f"{MAIN}definedNames")
    for item in defined if defined is not None else []:
        names[item.get("name")] = item.text

    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    grid = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    header = [str(c) for c in grid[0]]
    while header and not header[-1]:
        header.pop()

    def range_values(reference: str) -> list[str]:
        match = _RANGE.match(reference.lstrip("="))
        assert match, reference
        values = book.get_sheet_by_name(match["sheet"]).to_python(skip_empty_area=False)
        col = _column_index(match["c1"])
        rows = values[int(match["r1"]) - 1 : int(match["r2"])]
        return [str(r[col]) for r in rows if col < len(r) and r[col] != ""]

    columns = {h: Column(header=h) for h in header}
    root = etree.fromstring(sheet_xml)
    for validation in root.iter(f"{MAIN}dataValidation"):
        for ref in validation.get("sqref").split():
            col = _column_index(re.match(r"[A-Z]+", ref).group())
            if col >= len(header):
                continue
            column = columns[header[col]]
            # LibreOffice writes input help only as type="none" (Excel leaves it out)
            kind = validation.get("type", "any")
            column.kind = "any" if kind == "none" else kind
            column.prompt = validation.get("prompt", "")
            column.prompt_title = validation.get("promptTitle", "")
            formula = validation.findtext(f"{MAIN}formula1") or ""
            if column.kind != "list":
                continue
            if formula.startswith('"'):
                column.values = formula.strip('"').split(",")
            elif formula:
                reference = names.get(formula.lstrip("="), formula)
                column.named_range = formula.lstrip("=") if formula.lstrip("=") in names else ""
                column.values = range_values(reference)
    pane = root.find(f".//{MAIN}pane")
    frozen = int(float(pane.get("ySplit", 0))) if pane is not None else 0
    return Template(
        header=header,
        rows=grid[1:],
        columns=columns,
        frozen_rows=frozen,
        sheet_states=states,
        sheet_xml=sheet_xml,
    )
