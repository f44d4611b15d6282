"""A county user imports a small roster in a real browser (Playwright + Chromium):
upload, fix a column mapping, preview, commit, and find the new persons in the list.

Run with `pytest -m browser tongxin/imports/tests/test_browser_imports.py -p no:xdist`.
"""

import re

import pytest
from django.urls import reverse

from tongxin.core.tests.browser import chromium_page, expect, log_in
from tongxin.imports.models import ImportBatch
from tongxin.imports.tests.rosters import HEADER, roster_row, write_xlsx
from tongxin.people.models import Person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_it_uploads_maps_previews_and_commits(live_server, xingning_user, tmp_path):
    header = [("证件" if h == "身份证号" else h) for h in HEADER]  # not recognised on its own
    rows = [
        roster_row(1, "蒙海燕"),
        roster_row(2, "农建军"),
        roster_row(3, "错号", 政治面貌="火星党"),
    ]
    path = write_xlsx(tmp_path / "兴宁区名单.xlsx", rows, header=header)

    with chromium_page(live_server) as (page, problems):
        # Generous: the shared 2-core machine may be busy; nothing here waits on purpose.
        page.set_default_timeout(30_000)
        expect.set_options(timeout=30_000)
        log_in(page, "xingning")
        page.get_by_role("link", name="导入", exact=True).click()
        expect(page).to_have_url(re.compile(r"/imports/$"))
        page.get_by_role("link", name="上传文件").click()
        page.set_input_files("#id_file", str(path))
        page.get_by_role("button", name="上传并识别表头").click()

        expect(page).to_have_url(re.compile(r"/imports/\d+/mapping/$"))
        expect(page.locator("body")).to_contain_text("表头在第3行")
        page.get_by_role("button", name="预览导入结果").click()
        expect(page.locator(".alert-danger")).to_contain_text("请指定“公民身份号码”所在的列")
        page.select_option("#id_col_4", "id_number")
        page.get_by_role("button", name="预览导入结果").click()

        expect(page).to_have_url(re.compile(r"/imports/\d+/$"))
        expect(page.locator("body")).to_contain_text("预览（尚未写入任何数据）")
        expect(page.get_by_test_id("problems")).to_contain_text("第6行")
        expect(page.get_by_test_id("problems")).to_contain_text("政治面貌“火星党”无法识别")
        page.get_by_role("button", name=re.compile("确认导入")).click()

        expect(page.get_by_role("alert").filter(has_text="导入完成")).to_contain_text("新增 2 人")
        expect(page.get_by_test_id("status")).to_have_text("已导入")
        page.get_by_role("link", name="代表人士", exact=True).click()
        table = page.get_by_test_id("person-table")
        expect(table).to_contain_text("蒙海燕")
        expect(table).to_contain_text("农建军")
        expect(table).not_to_contain_text("错号")
        # The first mapping was refused on purpose (400 with the form and its message).
        assert [p for p in problems if "/mapping/" not in p] == []

    assert set(Person.objects.values_list("name", flat=True)) == {"蒙海燕", "农建军"}
    batch = ImportBatch.objects.get()
    assert batch.mapping["4"] == "id_number"
    assert batch.status == ImportBatch.Status.COMMITTED


SHOTS = "/tmp/shots-imports"


def test_city_staff_map_an_unknown_value_and_set_photos_in_bulk(
    live_server, city_user, make_person, regions, tmp_path
):
    import datetime
    import io
    import os
    import zipfile

    from PIL import Image

    from tongxin.conftest import make_id_number

    os.makedirs(SHOTS, exist_ok=True)
    rows = [roster_row(1, "蒙海燕", 民族="漢"), roster_row(2, "农建军", 民族="漢"),
            roster_row(3, "韦小宝", 学历="博士后")]  # fmt: skip
    path = write_xlsx(tmp_path / "名单.xlsx", rows)
    born = datetime.date(1980, 1, 1)
    person = make_person("照片人", region=regions["xingning"], birth_date=born, sex="M",
                         id_number=make_id_number("450102", born, "M"))  # fmt: skip
    picture = io.BytesIO()
    Image.new("RGB", (1200, 1600), (180, 40, 40)).save(picture, "JPEG")
    archive = tmp_path / "照片.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(f"照片人-{person.id_number}.jpg", picture.getvalue())
        zipped.writestr("450102199901010019.jpg", picture.getvalue())

    with chromium_page(live_server) as (page, problems):
        page.set_default_timeout(30_000)
        expect.set_options(timeout=30_000)
        page.set_viewport_size({"width": 1366, "height": 768})
        log_in(page, "city")
        page.goto(f"{live_server.url}/imports/new/")
        page.set_input_files("#id_file", str(path))
        page.get_by_role("button", name="上传并识别表头").click()
        page.get_by_role("button", name="预览导入结果").click()
        card = page.get_by_test_id("unknown-values")
        expect(card).to_contain_text("“漢”")
        expect(card).to_contain_text("2（如第4、5行）")
        page.screenshot(path=f"{SHOTS}/unknown-values.png", full_page=True)
        card.get_by_label("“漢”对应的民族").select_option(label="汉族")
        card.get_by_role("button", name="对应并重新检查").first.click()
        expect(page.get_by_role("alert").filter(has_text="同义写法")).to_contain_text(
            "已把“漢”记为“汉族”的同义写法"
        )
        expect(page.get_by_test_id("counts")).to_contain_text("3")
        expect(page.get_by_test_id("unknown-values")).not_to_contain_text("“漢”")
        page.screenshot(path=f"{SHOTS}/unknown-values-mapped.png", full_page=True)

        page.goto(f"{live_server.url}/imports/")
        page.get_by_role("link", name="批量上传照片").click()
        page.set_input_files("#id_file", str(archive))
        page.get_by_role("button", name="上传并预览").click()
        expect(page.get_by_test_id("photo-entries")).to_contain_text("查无此人")
        page.screenshot(path=f"{SHOTS}/photos-preview.png", full_page=True)
        page.get_by_role("button", name="确认设置 1 人的照片").click()
        expect(page.get_by_test_id("status")).to_have_text("已导入")
        page.screenshot(path=f"{SHOTS}/photos-committed.png", full_page=True)
        page.goto(live_server.url + reverse("people:detail", args=[person.pk]))
        page.screenshot(path=f"{SHOTS}/person-with-photo.png")
        assert problems == []


def test_city_staff_map_a_region_name_and_find_the_persons_to_complete(
    live_server, city_user, regions, tmp_path
):
    """Issue 17: an unknown region name is mapped in the preview like any other
    value; an unreadable optional value is imported blank and the person is
    listed as 待补充, with the field named on the person page."""
    shots = "/tmp/shots-imports2"
    import os

    os.makedirs(shots, exist_ok=True)
    rows = [roster_row(1, "蒙海燕", region="城区"), roster_row(2, "农建军", region="城区"),
            roster_row(3, "韦小宝", 学历="博士后进站", 手机="0771-123")]  # fmt: skip
    path = write_xlsx(tmp_path / "名单.xlsx", rows)

    with chromium_page(live_server) as (page, problems):
        page.set_default_timeout(30_000)
        expect.set_options(timeout=30_000)
        page.set_viewport_size({"width": 1366, "height": 768})
        log_in(page, "city")
        page.goto(f"{live_server.url}/imports/new/")
        page.set_input_files("#id_file", str(path))
        page.get_by_role("button", name="上传并识别表头").click()
        page.get_by_role("button", name="预览导入结果").click()
        card = page.get_by_test_id("unknown-values")
        expect(card).to_contain_text("“城区”")
        expect(page.get_by_test_id("problems")).to_contain_text("所属区域“城区”无法识别")
        page.screenshot(path=f"{shots}/region-unknown.png", full_page=True)
        card.get_by_label("“城区”对应的所属区域").select_option(label="兴宁区（450102）")
        # The button of the 城区 row: the card lists 学历's unknown value too, and
        # its own button submits nothing until its required choice is made.
        card.get_by_role("row").filter(has_text="“城区”").get_by_role(
            "button", name="对应并重新检查"
        ).click()
        expect(page.get_by_role("alert").filter(has_text="城区")).to_contain_text(
            "已把“城区”记为“兴宁区”的其他写法"
        )
        expect(page.get_by_test_id("unknown-values")).not_to_contain_text("“城区”")
        page.screenshot(path=f"{shots}/region-mapped.png", full_page=True)
        page.get_by_role("button", name=re.compile("确认导入")).click()
        expect(page.get_by_test_id("status")).to_have_text("已导入")

        page.goto(live_server.url + reverse("people:list") + "?incomplete=1")
        table = page.get_by_test_id("person-table")
        expect(table).to_contain_text("韦小宝")
        expect(table).not_to_contain_text("蒙海燕")
        page.screenshot(path=f"{shots}/list-to-complete.png", full_page=True)
        table.get_by_role("link", name="韦小宝").click()
        expect(page.get_by_test_id("to-complete")).to_have_text("待补充：学历、联系电话")
        page.screenshot(path=f"{shots}/person-to-complete.png")
        assert problems == []

    assert set(Person.objects.values_list("region__name", flat=True)) == {"兴宁区"}
