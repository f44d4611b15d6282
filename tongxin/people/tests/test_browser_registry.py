"""The registry in a real browser (Playwright + Debian's Chromium), as issue 2 asks.

A county user logs in through the login page, finds a person by pinyin
initials (htmx swaps the table), edits a field, sees it in the history, and
gets a 404 for another region's person. Static assets, htmx and the console
are checked on the way: a page that renders but whose JavaScript is dead
passes every client test and fails here.

Run with `pytest -m browser`; Chromium is /usr/bin/chromium unless
TONGXIN_CHROMIUM says otherwise.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.core.tests.browser import chromium_page, expect, log_in, settle
from tongxin.people.models import Person

# Transactional: the live server answers from another thread. Serialized
# rollback: the flush afterwards would otherwise drop the reference data
# (民族, 政治面貌 …) the migrations seed, which every later test needs.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCREENSHOT = Path(settings.BASE_DIR) / "docs" / "screenshots" / "person-list.png"


def assert_assets_work(page) -> None:
    """Bootstrap, our stylesheet and htmx were served and are in effect."""
    assert page.evaluate("typeof htmx") == "object", "htmx did not load"
    sidebar_colour = page.locator(".tx-sidebar").evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    assert sidebar_colour == "rgb(139, 26, 26)", "static/tongxin/app.css did not apply"
    table_collapse = page.get_by_test_id("person-table").evaluate(
        "e => getComputedStyle(e).borderCollapse"
    )
    assert table_collapse == "collapse", "bootstrap did not apply"


@pytest.fixture
def registry(make_person, regions):
    """A few persons of 兴宁区 and one of 青秀区, with plausible units and titles."""
    xingning = regions["xingning"]
    persons = {
        name: make_person(name, region=xingning, employer=employer, job_title=title, level=level)
        for name, employer, title, level in [
            ("张三丰", "南宁三丰科技有限公司", "总经理", Person.Level.CITY),
            ("张三", "广西邕江律师事务所", "合伙人", Person.Level.COUNTY),
            ("李四", "南宁市兴宁区青年创业协会", "会长", Person.Level.COUNTY),
            ("陈晓梅", "广西南湖会计师事务所有限公司", "主任会计师", Person.Level.RESERVE),
            ("黄志强", "南宁市朝阳网络传媒有限公司", "执行董事兼总经理", Person.Level.COUNTY),
            ("韦秀兰", "自由职业（网络作家）", "", Person.Level.RESERVE),
            ("覃海峰", "南宁市兴宁区民生社会工作服务中心", "理事长", Person.Level.COUNTY),
            ("欧阳文华", "广西八桂设计研究院有限公司", "副院长、高级工程师", Person.Level.CITY),
        ]
    }
    persons["王五"] = make_person(
        "王五", region=regions["qingxiu"], employer="青秀区某投资公司", job_title="董事长"
    )
    return persons


def test_it_searches_edits_and_keeps_other_regions_out(live_server, xingning_user, registry):
    zhang, wang = registry["张三丰"], registry["王五"]
    old, new = "南宁三丰科技有限公司", "广西同心数字科技有限公司"

    with chromium_page(live_server) as (page, problems):
        log_in(page, "xingning")
        assert_assets_work(page)
        table = page.get_by_test_id("person-table")
        expect(table).to_contain_text("李四")
        expect(table).not_to_contain_text("王五")
        expect(page.get_by_test_id("total")).to_have_text("8")
        # Usable at 1366×768: the table fits beside the sidebar, no sideways scrolling.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT))

        # Pinyin initials; htmx swaps the table in place and pushes the URL.
        page.evaluate("window.notReloaded = true")
        with page.expect_response(
            lambda r: "q=zsf" in r.url and r.request.headers.get("hx-request") == "true"
        ):
            page.fill("#q", "zsf")
            page.press("#q", "Enter")
        settle(page)
        expect(table).to_contain_text("张三丰")
        expect(table).not_to_contain_text("李四")
        expect(table.get_by_role("link")).to_have_count(1)  # not 张三 (zs) either
        expect(page).to_have_url(re.compile(r"[?&]q=zsf"))
        assert page.evaluate("window.notReloaded") is True, "the search reloaded the page"

        table.get_by_role("link", name="张三丰").click()
        expect(page).to_have_url(re.compile(rf"/persons/{zhang.pk}/$"))
        expect(page.get_by_test_id("employer")).to_have_text(old)

        page.get_by_role("link", name="编辑").click()
        expect(page).to_have_url(re.compile(rf"/persons/{zhang.pk}/edit/$"))
        page.fill("#id_employer", new)
        page.get_by_role("button", name="保存").click()

        expect(page).to_have_url(re.compile(rf"/persons/{zhang.pk}/$"))
        expect(page.get_by_role("alert").filter(has_text="已保存修改")).to_be_visible()
        expect(page.get_by_test_id("employer")).to_have_text(new)
        expect(page.get_by_test_id("history")).to_contain_text(f"{old} → {new}")
        assert problems == []

        # Another region's person: 404 by URL, for the page and for its form.
        for url in (f"/persons/{wang.pk}/", f"/persons/{wang.pk}/edit/"):
            response = page.goto(url)
            assert response.status == 404, url
            expect(page.locator("body")).not_to_contain_text("王五")
        expected = re.compile(rf"/persons/{wang.pk}/(edit/)?\)?$")
        assert [p for p in problems if not expected.search(p)] == []

    zhang.refresh_from_db()
    assert zhang.employer == new
    assert AuditEntry.objects.filter(
        action="update", object_id=str(zhang.pk), username="xingning"
    ).exists()
    assert not AuditEntry.objects.filter(object_id=str(wang.pk), username="xingning").exists()


def test_it_reveals_the_full_id_and_logs_it(live_server, xingning_user, make_person):
    person = make_person("张三丰", mobile="13977112233")

    with chromium_page(live_server) as (page, problems):
        log_in(page, "xingning")
        page.goto(f"/persons/{person.pk}/")
        id_number = page.get_by_test_id("id-number")
        expect(id_number).to_have_text(person.masked_id_number)
        expect(page.get_by_test_id("mobile")).to_have_text("139****2233")

        page.evaluate("window.notReloaded = true")
        with page.expect_response(
            lambda r: r.url.endswith(f"/persons/{person.pk}/reveal/")
        ) as info:
            page.get_by_role("button", name="显示完整号码").click()
        assert info.value.request.method == "POST"
        assert info.value.status == 200
        expect(id_number).to_have_text(person.id_number)
        expect(page.get_by_test_id("mobile")).to_have_text("13977112233")
        expect(page.get_by_text("本次查看已记录")).to_be_visible()
        assert page.evaluate("window.notReloaded") is True, "the reveal reloaded the page"
        assert problems == []

    entry = AuditEntry.objects.get(action="reveal", object_id=str(person.pk))
    assert entry.username == "xingning"


def test_a_new_person_with_an_unreadable_mobile_is_registered_and_marked(
    live_server, xingning_user, regions
):
    """Issue 17 in the browser: the create form, like an import, registers a
    person whose optional value cannot be read, says so, and shows 待补充."""
    import datetime

    from tongxin.conftest import make_id_number

    shots = Path("/tmp/shots-imports2")
    shots.mkdir(exist_ok=True)
    number = make_id_number("450102", datetime.date(1985, 6, 1), "M")
    with chromium_page(live_server) as (page, problems):
        page.set_default_timeout(30_000)
        expect.set_options(timeout=30_000)
        page.set_viewport_size({"width": 1366, "height": 768})
        log_in(page, "xingning")
        page.goto(live_server.url + reverse("people:create"))
        page.fill("#id_name", "蓝海")
        page.fill("#id_id_number", number)
        page.select_option("#id_ethnicity", label="壮族")
        page.select_option("#id_political_status", label="群众")
        page.select_option("#id_region", label="兴宁区")
        page.select_option("#id_group", index=1)
        page.fill("#id_mobile", "0771-123")
        page.get_by_role("button", name="保存", exact=True).click()
        expect(page.get_by_test_id("to-complete")).to_have_text("待补充：联系电话")
        expect(page.locator("body")).to_contain_text("联系电话“0771-123”未能识别")
        page.screenshot(path=str(shots / "create-unreadable-mobile.png"), full_page=True)
        assert problems == []
    assert Person.objects.get(name="蓝海").unread_fields == ",mobile,"
