"""附件1 on paper: one region per A4 sheet at a size a person can read.

Printed by Chromium to PDF and read back (pypdf): the number of sheets, each
sheet's region and totals, and the type size. A screenshot of a sheet goes to
docs/screenshots/ when TONGXIN_SCREENSHOTS names a folder.

Run with `pytest -m browser tongxin/reports/tests/test_browser_print.py -p no:xdist`.
"""

import pytest

from tongxin.core.tests.browser import chromium_page, expect, log_in, print_to_pdf
from tongxin.people.models import Person
from tongxin.reports.summary import TITLE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_citywide_summary_prints_one_region_per_a4_sheet(
    live_server, city_user, make_person, regions
):
    for name in ["蒙海燕", "农建军", "韦小宝"]:
        make_person(name, region=regions["xingning"])
    for name in ["青秀甲", "青秀乙"]:
        make_person(name, region=regions["qingxiu"], level=Person.Level.CITY)

    with chromium_page(live_server) as (page, problems):
        log_in(page, "city", "/reports/summary/")
        page.get_by_role("link", name="打印（每个区域一页A4）").click()
        expect(page.get_by_test_id("sheet")).to_have_count(4)
        sheets = print_to_pdf(page)
        assert problems == []

    assert len(sheets) == 4
    for sheet, heading in zip(
        sheets, ["区域：南宁市", "区域：兴宁区", "区域：青秀区", "各区域合计"], strict=True
    ):
        text = sheet["text"]
        assert TITLE in text and "填报单位：南宁市" in text and heading in text
        assert "合计" in text and "小计" in text
        # Readable: no text below 8 pt (the 70-column table came out at about 3 pt).
        assert min(sheet["sizes"]) >= 8, sorted(set(sheet["sizes"]))
    # Each sheet's own figures: the 合计 row ends with the region's total.
    last_numbers = [s["text"].split("合计")[-1].split()[:4] for s in sheets]
    assert last_numbers[1][-1] == "3" and last_numbers[2][-1] == "2"
    assert last_numbers[3][-1] == "5"
    # Nothing of the screen around it: no navigation, buttons or form.
    for sheet in sheets:
        assert "退出" not in sheet["text"] and "打印" not in sheet["text"].replace("打印）", "")
