"""A county user imports a small roster in a real browser (Playwright + Chromium):
upload, fix a column mapping, preview, commit, and find the new persons in the list.

Run with `pytest -m browser tongxin/imports/tests/test_browser_imports.py -p no:xdist`.
"""

import re

import pytest

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
