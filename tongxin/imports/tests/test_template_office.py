"""The roster template opened and saved by a real spreadsheet program (LibreOffice).

Our own reader (template_reading.py) is forgiving; here LibreOffice Calc
loads the template and saves it as xlsx again, and the validations must
survive: every column keeps its input help, the dropdowns keep their values
(the long region list still comes from the hidden sheet's named range).

Run with `pytest -m office -p no:xdist -k template` (apt-get install -y
libreoffice-calc-nogui); outside that run the tests skip.
"""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from lxml import etree

from tongxin.imports.tests.template_reading import MAIN, read_template
from tongxin.imports.tests.test_template import DROPDOWNS, many_towns

SOFFICE = shutil.which("soffice")

pytestmark = [
    pytest.mark.office,
    pytest.mark.django_db,
    pytest.mark.skipif(
        SOFFICE is None,
        reason="LibreOffice (soffice) is not installed: apt-get install -y libreoffice-calc-nogui",
    ),
]


@pytest.fixture(autouse=True)
def _only_when_asked(request):
    if "office" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("LibreOffice tests run with `pytest -m office`")


def resave_in_calc(data: bytes, directory: Path) -> bytes:
    """`data` (an xlsx) opened in LibreOffice Calc and saved as xlsx again."""
    source = directory / "in" / "template.xlsx"
    source.parent.mkdir()
    source.write_bytes(data)
    out = directory / "out"
    profile = directory / "profile"
    result = subprocess.run(
        [SOFFICE, "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(source)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    target = out / "template.xlsx"
    assert result.returncode == 0 and target.exists(), result.stdout + result.stderr
    return target.read_bytes()


def test_the_validations_survive_libreoffice(tmp_path, client_for, city_user, regions):
    towns = many_towns(regions["city"])
    original = client_for(city_user).get(reverse("imports:template")).content
    before = read_template(original)

    after = read_template(resave_in_calc(original, tmp_path))

    root = etree.fromstring(after.sheet_xml)
    validations = list(root.iter(f"{MAIN}dataValidation"))
    assert len(validations) >= len(before.header) - 1  # Calc may merge identical ones
    assert after.header == before.header
    # A headless Calc has no window, so it saves no view (the frozen pane): that
    # is checked on the template itself. It also saves the validations over the
    # first 1,001 data rows only (of our 10,000): enough for an office's roster.
    assert before.frozen_rows == 1
    assert all(v.get("sqref").endswith(("1002", "10001")) for v in validations)
    for header in before.header:
        assert after.columns[header].prompt == before.columns[header].prompt, header
    for header in DROPDOWNS:
        assert after.columns[header].kind == "list", header
        assert after.columns[header].values == before.columns[header].values, header
    assert [t.name for t in towns][-1] in after.columns["所属区域*"].values
    assert after.sheet_states["下拉选项"] == "hidden"
    assert after.rows[0][0] == before.rows[0][0]  # the 示例 row
