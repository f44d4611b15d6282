"""Every main page works in a real browser under the Content-Security-Policy
(issue 7): no CSP violation, no JavaScript error, and the behaviour that used
to be inline (htmx swaps, charts, autosubmitting filters, the person picker,
the subcategory narrowing, the export link) still works.

Run with `.venv/bin/pytest -q -n 0 -m browser tongxin/core/tests/test_csp_browser.py`.
"""

import datetime
import re
from contextlib import contextmanager

import pytest

from tongxin.core.tests.browser import chromium_page as plain_chromium_page
from tongxin.core.tests.browser import expect, settle, submit_login
from tongxin.people.models import PersonGroup, SubCategory

# Transactional: the live server answers from another thread. Serialized
# rollback keeps the seeded dictionaries for the tests that follow.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Runs in every document before its own scripts (Playwright injects it past
# the CSP): records each violation the browser reports.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline")
    + " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


@contextmanager
def chromium_page(live_server):
    """(page, problems) of core/tests/browser.py, recording every CSP
    violation for assert_clean. Keep ORM calls outside this block."""
    with plain_chromium_page(live_server, init_script=RECORD_VIOLATIONS) as opened:
        yield opened


def log_in(page, username: str) -> None:
    """Log in from the home page, checking the login page is clean too."""
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/"))
    assert_clean(page, [])
    submit_login(page, username)
    expect(page.locator(".tx-user")).to_contain_text(username)
    settle(page)


def assert_clean(page, problems: list[str]) -> None:
    """The page (still open) reported no CSP violation and nothing else went wrong."""
    settle(page)
    violations = page.evaluate("window.__cspViolations")
    assert violations == [], f"{page.url}: {violations}"
    assert problems == [], f"{page.url}: {problems}"


def visit(page, problems, url: str) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    assert response.headers["content-security-policy"]
    assert_clean(page, problems)


def visit_the_sidebar(page, problems) -> list[str]:
    urls = page.locator(".tx-sidebar a.nav-link").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    for url in urls:
        visit(page, problems, url)
    return urls


@pytest.fixture
def population(make_person, regions):
    """Persons in two regions and several groups, so every chart has data."""
    groups = list(PersonGroup.objects.order_by("sort_order")[:4])
    made = [
        make_person(
            name,
            region=regions["xingning"] if i % 3 else regions["qingxiu"],
            group=groups[i % len(groups)],
            birth_date=datetime.date(1960 + 3 * i, 1 + i % 12, 1 + i),
            sex="F" if i % 2 else "M",
        )
        for i, name in enumerate(["张三丰", "张三", "李四", "陈晓梅", "黄志强", "韦秀兰", "覃海峰"])
    ]
    subcategory = SubCategory.objects.filter(is_active=True).exclude(group=made[0].group_id).first()
    return {"zhang": made[0], "other_group": subcategory.group, "subcategory": subcategory}


def test_the_detector_sees_a_refused_inline_handler(live_server, city_user, settings):
    # Guards the guard: an onclick= injected into a page is refused and reported.
    settings.MFA_REQUIRED = "none"
    with chromium_page(live_server) as (page, problems):
        log_in(page, "city")
        page.evaluate(
            "document.body.insertAdjacentHTML('beforeend',"
            ' \'<button id="injected" onclick="window.__ran = true">x</button>\')'
        )
        page.click("#injected")
        page.wait_for_function("window.__cspViolations.length > 0")
        assert page.evaluate("window.__ran") is None
        assert "script-src-attr" in page.evaluate("window.__cspViolations")[0]
        # Code from strings is refused too (ECharts, Bootstrap and htmx must
        # not need eval). A string timer runs later, as the page's own code.
        page.evaluate("setTimeout('window.__evalRan = true', 0)")
        page.wait_for_function("window.__cspViolations.length > 1")
        assert page.evaluate("window.__evalRan") is None
        assert "blocked eval" in page.evaluate("window.__cspViolations")[1]


def test_city_staff_use_every_page_under_the_policy(live_server, city_user, population, settings):
    settings.MFA_REQUIRED = "none"
    zhang, other_group, subcategory = (
        population["zhang"],
        population["other_group"],
        population["subcategory"],
    )
    with chromium_page(live_server) as (page, problems):
        log_in(page, "city")
        assert_clean(page, problems)
        assert page.evaluate("htmx.config.allowEval") is False
        # htmx's indicator <style> is inline CSS, which the policy allows.
        page.evaluate(
            "document.body.insertAdjacentHTML('beforeend',"
            ' \'<span id="ind" class="htmx-indicator">…</span>\')'
        )
        assert page.locator("#ind").evaluate("e => getComputedStyle(e).opacity") == "0"

        # Person list: a search swaps the table through htmx without a reload,
        # and the export link then carries the new query.
        visit(page, problems, "/persons/")
        page.evaluate("window.notReloaded = true")
        with page.expect_response(lambda r: "q=zsf" in r.url):
            page.fill("#q", "zsf")
            page.press("#q", "Enter")
        settle(page)
        table = page.get_by_test_id("person-table")
        expect(table).to_contain_text("张三丰")
        expect(table).not_to_contain_text("李四")
        assert page.evaluate("window.notReloaded") is True
        export = page.locator("a[data-tx-with-search]")
        export.evaluate("a => a.addEventListener('click', e => e.preventDefault())")
        export.click()
        assert "q=zsf" in export.get_attribute("href")
        assert_clean(page, problems)

        # Detail and form: choosing another group narrows the subcategories (htmx.ajax).
        visit(page, problems, f"/persons/{zhang.pk}/")
        visit(page, problems, f"/persons/{zhang.pk}/edit/")
        page.select_option("#id_group", str(other_group.pk))
        expect(page.locator("#id_subcategory")).to_contain_text(subcategory.name)
        assert_clean(page, problems)

        # Charts draw on canvases (ECharts needs no eval).
        visit(page, problems, "/analysis/")
        charts = page.locator("[data-chart]")
        assert charts.count() >= 2
        expect(charts.first.locator("canvas")).to_have_count(1)
        assert page.evaluate(
            "[...document.querySelectorAll('[data-chart]')]"
            ".every(el => echarts.getInstanceByDom(el) !== undefined)"
        )
        assert_clean(page, problems)

        # A filter that submits itself when the choice changes.
        visit(page, problems, "/reports/summary/")
        with page.expect_navigation():
            page.select_option("#s-region", label="兴宁区")
        expect(page).to_have_url(re.compile(r"[?&]region=\d+"))
        assert_clean(page, problems)

        # The person picker: a ticked search result joins the chosen list.
        visit(page, problems, "/service/requests/new/")
        page.fill("#pick-q-person", "张三丰")
        expect(page.locator("#pick-results-person input")).to_have_count(1)
        page.locator("#pick-results-person input").check()
        expect(page.get_by_test_id("chosen-person")).to_contain_text("张三丰")
        expect(page.locator("#pick-results-person input")).to_have_count(0)
        assert_clean(page, problems)

        # And every other page in the sidebar.
        visited = visit_the_sidebar(page, problems)
        for expected in ("/imports/", "/reports/", "/evaluations/", "/service/", "/levels/"):
            assert any(url.startswith(expected) for url in visited), expected
        visit(page, problems, "/imports/new/")
        visit(page, problems, "/qualification/")


def test_an_admin_uses_the_admin_pages_under_the_policy(
    live_server, admin_user, population, settings
):
    settings.MFA_REQUIRED = "none"
    with chromium_page(live_server) as (page, problems):
        log_in(page, "admin")
        visited = visit_the_sidebar(page, problems)
        assert "/users/" in visited and "/audit/" in visited
        visit(page, problems, "/users/new/")
