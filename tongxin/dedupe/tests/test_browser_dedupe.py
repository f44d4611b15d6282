"""In a real browser: the registration form warns of a likely duplicate, the
queue shows the pair, a merge with a picked value, its undo, and the
completeness page. Screenshots go to /tmp/shots-dedupe.

Run with `.venv/bin/pytest -q -n 0 -m browser tongxin/dedupe/tests/test_browser_dedupe.py`.
"""

import datetime
import re
from pathlib import Path

import pytest

from tongxin.conftest import make_id_number
from tongxin.core.tests.browser import log_in
from tongxin.core.tests.test_csp_browser import assert_clean, chromium_page, expect
from tongxin.dedupe.models import DuplicatePair, Merge
from tongxin.people.models import Person, PersonGroup, SubCategory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
SHOTS = Path("/tmp/shots-dedupe")


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_it_warns_merges_and_undoes_in_the_browser(live_server, make_person, xingning_user):
    known = make_person(
        "韦丽华", birth_date=datetime.date(1990, 3, 8), sex="F", mobile="13700000301",
        employer="兴宁区某律师事务所",
    )  # fmt: skip
    group = PersonGroup.objects.get(sort_order=1)
    subcategory = SubCategory.objects.filter(group=group).first()
    with chromium_page(live_server) as (page, problems):
        page.set_viewport_size({"width": 1366, "height": 768})
        log_in(page, "xingning", landing="/persons/new/")
        page.fill("#id_name", "韋麗華")  # traditional characters: the same pinyin
        page.fill("#id_id_number", make_id_number("450102", datetime.date(1990, 3, 8), "F"))
        page.fill("#id_birth_date", "1990-03-08")
        page.select_option("#id_ethnicity", label="汉族")
        page.select_option("#id_political_status", label="群众")
        page.select_option("#id_group", value=str(group.pk))
        page.select_option("#id_subcategory", value=str(subcategory.pk))
        page.fill("#id_mobile", "13700000302")
        page.select_option("#id_region", label="兴宁区")
        page.get_by_role("button", name="保存").click()
        warning = page.get_by_test_id("possible-duplicates")
        expect(warning).to_contain_text("可能已登记")
        expect(warning.get_by_role("link", name="韦丽华")).to_be_visible()
        shot(page, "1-create-warning")
        assert_clean(page, problems)
        page.get_by_label("已核对，确系不同人员，仍然登记").check()
        page.get_by_role("button", name="保存").click()
        expect(page).to_have_url(re.compile(r"/persons/\d+/$"))

        page.goto("/dedupe/")
        expect(page.get_by_test_id("pairs")).to_contain_text("韋麗華")
        shot(page, "2-queue")
        assert_clean(page, problems)
        page.get_by_role("link", name="核对").first.click()
        expect(page.get_by_test_id("side-by-side")).to_contain_text("兴宁区某律师事务所")
        page.locator('input[name="pick_name"][value="a"]').check()
        shot(page, "3-pair")
        assert_clean(page, problems)
        page.get_by_role("button", name="是同一人 → 合并").click()
        expect(page.locator(".alert-success")).to_contain_text("已合并")
        shot(page, "4-merged")

        page.goto("/dedupe/")
        page.get_by_role("button", name="撤销合并").click()
        expect(page.locator(".alert-success")).to_contain_text("已撤销合并")
        assert_clean(page, problems)

        page.goto("/dedupe/completeness/")
        expect(page.get_by_test_id("by-region")).to_contain_text("兴宁区")
        shot(page, "5-completeness")
        assert_clean(page, problems)
        page.goto("/")
        expect(page.get_by_test_id("completeness-home-card")).to_be_visible()
        shot(page, "6-home")
        assert_clean(page, problems)

    assert Merge.objects.get().undone_at is not None
    assert Person.objects.get(pk=known.pk).status == "active"
    assert DuplicatePair.objects.get().status == "open"


def test_a_merge_across_regions_is_asked_and_approved_in_the_browser(
    live_server, make_person, xingning_user, qingxiu_user, regions
):
    """兴宁区 sees its own record only and asks; 青秀区 sees its own only and
    approves; the merge happens on approval (phone width for the approver)."""
    born = datetime.date(1988, 8, 8)
    mine = make_person("覃海燕", birth_date=born, mobile="13700000311", email="hy@example.cn")
    theirs = make_person("覃海艳", region=regions["qingxiu"], birth_date=born, mobile="13700000312")
    with chromium_page(live_server) as (page, problems):
        page.set_viewport_size({"width": 1366, "height": 768})
        log_in(page, "xingning", landing="/dedupe/")
        elsewhere = page.get_by_test_id("elsewhere")
        expect(elsewhere).to_contain_text("覃海燕")
        expect(elsewhere).not_to_contain_text("覃海艳")
        shot(page, "7-elsewhere")
        elsewhere.get_by_role("link", name="申请跨区域合并").click()
        page.get_by_label("保留对方区域的记录，本区域记录并入对方记录").check()
        page.get_by_label("合并理由").fill("同一人，青秀区已登记在先")
        shot(page, "8-merge-form")
        assert_clean(page, problems)
        page.get_by_role("button", name="提交审核").click()
        expect(page.locator(".alert-success")).to_contain_text("审核区域：青秀区")
        expect(page.get_by_test_id("merge-sides")).to_contain_text("覃海燕（#")
        expect(page.get_by_test_id("merge-sides")).to_contain_text("其他区域的记录")
        shot(page, "9-request-asked")
        assert_clean(page, problems)
        page.context.clear_cookies()  # log out

        page.set_viewport_size({"width": 390, "height": 844})
        log_in(page, "qingxiu", landing="/flows/")
        page.locator("tr", has_text="合并").get_by_role("link").first.click()
        expect(page.get_by_test_id("merge-sides")).to_contain_text("覃海艳（#")
        expect(page.get_by_test_id("request-person")).not_to_contain_text("覃海燕")
        shot(page, "10-request-to-approve-phone")
        assert_clean(page, problems)
        page.get_by_test_id("decide").get_by_role("button", name="审核通过").click()
        expect(page.locator(".alert-success")).to_contain_text("已审核通过")
        expect(page.get_by_test_id("request-state")).to_have_text("通过")
        shot(page, "11-approved-phone")
        assert_clean(page, problems)

    merge = Merge.objects.get()
    assert (merge.survivor_id, merge.merged_id) == (theirs.pk, mine.pk)
    assert Person.objects.get(pk=theirs.pk).email == "hy@example.cn"
