"""The generated spreadsheets opened by a real spreadsheet program (LibreOffice).

The streaming writer (xlsx_stream.py) emits SpreadsheetML by hand; the other
tests read it back with our own XML reader and python-calamine, which are
forgiving. Here LibreOffice Calc loads each file and saves it as CSV, and the
CSV must hold exactly what was written: text stays text (a cell starting with
= + - @ is not evaluated), long ID numbers keep every digit, dates come out as
dates, empty cells stay empty.

Run with `pytest -m office` (.ci/run installs libreoffice-calc-nogui for it);
outside that run the tests skip, so the ordinary suite does not pay for
starting LibreOffice. Each conversion takes a few seconds.
"""

import csv
import datetime
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse

from tongxin.core.xlsx_stream import column_letters
from tongxin.people.models import Person
from tongxin.reports.exporters import PERSON_COLUMNS, write_person_xlsx
from tongxin.reports.summary import TITLE

SOFFICE = shutil.which("soffice")
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1"  # comma, ", UTF-8, from row 1

pytestmark = [
    pytest.mark.office,
    pytest.mark.skipif(
        SOFFICE is None,
        reason="LibreOffice (soffice) is not installed: apt-get install -y libreoffice-calc-nogui",
    ),
]

# Every way a cell could be mistaken for a formula, a number or markup.
TRICKY = [
    "=1+1",
    "=SUM(A1:A3)",
    "+86 138 0013 8000",
    "-2+3",
    "@SUM(A1)",
    "\t=cmd|' /C calc'!A0",
    '\r=HYPERLINK("http://example.com","点我")',
    "同心 南宁市兴宁区",
    "<b>备注</b> & 其他",
    "0012",
    "1E5",
    "TRUE",
    "1/2",
    "3-4",
    "  前导空格",
    "第一行\n第二行",
    "_x0041_ 不是转义",
]


@pytest.fixture(autouse=True)
def _only_when_asked(request):
    if "office" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("LibreOffice tests run with `pytest -m office` (.ci/run, last step)")


@pytest.fixture(scope="module")
def office_profile(tmp_path_factory) -> Path:
    """A throwaway LibreOffice user profile, shared by this module's conversions."""
    return tmp_path_factory.mktemp("libreoffice-profile")


def calc_convert(data: bytes, directory: Path, profile: Path, to: str) -> Path:
    """Open `data` (an xlsx) in LibreOffice Calc and save it with the filter `to`."""
    source = directory / "book.xlsx"
    source.write_bytes(data)
    result = subprocess.run(
        [
            SOFFICE,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to",
            to,
            "--outdir",
            str(directory),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    target = directory / f"book.{to.split(':')[0]}"
    assert result.returncode == 0 and target.exists(), result.stdout + result.stderr
    return target


def calc_csv(data: bytes, directory: Path, profile: Path) -> list[list[str]]:
    """The first sheet of `data` as LibreOffice Calc saves it to CSV."""
    target = calc_convert(data, directory, profile, CSV_FILTER)
    with target.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def expected_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()  # the date cells' number format is yyyy-mm-dd
    return str(value)


def generated_rows(count: int) -> list[list]:
    """`count` rows in PERSON_COLUMNS order, cycling through TRICKY and empty cells."""
    rows = []
    for n in range(count):
        row = []
        for i, column in enumerate(PERSON_COLUMNS):
            if column.kind == "date":
                value = datetime.date(1950, 1, 1) + datetime.timedelta(days=n * 7 + i)
            elif column.kind == "number":
                value = 1990 + n % 30
            elif column.kind == "id_number":
                value = f"45010219{n % 100:02d}0101{n:04d}"[:17] + "X" * (n % 2)
                value = value.ljust(18, "7")
            elif column.kind == "mobile":
                value = f"138{n:08d}"
            else:
                value = TRICKY[(n + i) % len(TRICKY)]
            if (n + i) % 11 == 0:
                value = None  # empty cells in every column somewhere
            row.append(value)
        rows.append(row)
    return rows


def test_calc_reads_the_streamed_person_xlsx_exactly_as_written(tmp_path, office_profile):
    rows = generated_rows(1200)
    target = io.BytesIO()
    assert write_person_xlsx(iter(rows), target) == 1200

    table = calc_csv(target.getvalue(), tmp_path, office_profile)

    assert table[0] == [c.header for c in PERSON_COLUMNS]
    assert len(table) == 1 + 1200
    for number, (written, read) in enumerate(zip(rows, table[1:], strict=True), start=2):
        # CSV drops trailing empty cells of a row: pad for the comparison.
        read = read + [""] * (len(written) - len(read))
        assert read == [expected_text(v) for v in written], f"row {number}"

    # Saved again as ODS: the autofilter over the whole table, the bold header
    # and the yyyy-mm-dd date format all survived the import.
    ods = calc_convert(target.getvalue(), tmp_path, office_profile, "ods")
    with zipfile.ZipFile(ods) as archive:
        content = archive.read("content.xml").decode()
        styles = archive.read("styles.xml").decode() + content
    last = f"{column_letters(len(PERSON_COLUMNS) - 1)}1201"
    assert re.search(rf'target-range-address="[^"]*\.A1:[^"]*\.{last}"', content)
    assert 'table:display-filter-buttons="true"' in content
    assert 'fo:font-weight="bold"' in content
    year_month = '<number:year number:style="long"/><number:text>-</number:text><number:month'
    assert year_month in styles


@pytest.mark.django_db
def test_calc_reads_a_real_person_export(
    tmp_path, office_profile, client_for, city_user, make_person
):
    born = datetime.date(1988, 2, 29)
    person = make_person(
        "韦小宝",
        birth_date=born,
        employer="=1+1",
        job_title="@SUM(A1)",
        school="-2+3",
        native_place="+86",
        remarks="\t=cmd|' /C calc'!A0",
        address='\r=HYPERLINK("http://x")',
        career_start_year=2008,
    )
    response = client_for(city_user).get(reverse("reports:person_export"))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)

    table = calc_csv(data, tmp_path, office_profile)

    column = {c.source: i for i, c in enumerate(PERSON_COLUMNS)}
    assert len(table) == 2
    row = table[1]
    assert row[column["name"]] == "韦小宝"
    assert row[column["id_number"]] == person.id_number  # all 18 digits, as text
    assert row[column["birth_date"]] == "1988-02-29"
    assert row[column["career_start_year"]] == "2008"
    for field in ["employer", "job_title", "school", "native_place", "remarks", "address"]:
        assert row[column[field]] == getattr(person, field), field
    assert row[column["status"]] == Person.Status.ACTIVE.label


@pytest.mark.django_db
def test_calc_reads_the_summary_table(tmp_path, office_profile, client_for, city_user, make_person):
    for n in range(3):
        make_person(f"人{n}", level="county")
    response = client_for(city_user).get(reverse("reports:summary_xlsx"))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)

    table = calc_csv(data, tmp_path, office_profile)

    assert table[0][0] == TITLE
    assert table[1][0] == "填报单位：南宁市"
    assert any(cell.startswith("日期：") and cell.endswith("日") for cell in table[1])
    assert table[3][2:6] == ["市级重点联系", "县区联系", "储备", "小计"]
    assert table[-1][0] == "合计" and table[-1][-1] == "3"
