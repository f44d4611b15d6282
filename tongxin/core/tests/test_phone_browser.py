"""The staff UI on a phone (issue 18): at 390×844 no page is wider than the
screen, the sidebar folds into a top bar whose 菜单 button opens the
navigation, and wide tables scroll inside their card. At 1366×768 the
sidebar stays as it was.

Screenshots go to docs/screenshots/phone-*.png.

Run with `.venv/bin/pytest -q -p no:xdist -m browser tongxin/core/tests/test_phone_browser.py`.
"""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from tongxin.core.tests.browser import chromium_page, expect, log_in, settle
from tongxin.engagement.models import Activity, ActivityParticipant, ActivityType

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


@pytest.fixture
def county_office(make_person, regions):
    """A county's persons (long names and employers, to stretch the tables) and an activity."""
    today = timezone.localdate()
    persons = [
        make_person(
            name,
            employer="南宁市兴宁区某某科技信息服务有限公司",
            birth_date=datetime.date(1970 + i, 1 + i, 1 + i),
        )
        for i, name in enumerate(["张三丰", "李四", "陈晓梅", "黄志强", "韦秀兰"])
    ]
    activity = Activity.objects.create(
        region=regions["xingning"],
        type=ActivityType.objects.first(),
        title="新的社会阶层人士座谈会",
        start_date=today,
    )
    for person in persons:
        ActivityParticipant.objects.create(activity=activity, person=person)
    return {"person": persons[0], "activity": activity}


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_county_user_reads_every_main_page_on_a_phone(live_server, xingning_user, county_office):
    person = county_office["person"]
    pages = {
        "home": "/",
        "persons": "/persons/",
        "person": f"/persons/{person.pk}/",
        "activities": "/engagement/activities/",
    }
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with chromium_page(live_server) as (page, problems):
        page.set_viewport_size(PHONE)
        log_in(page, "xingning")
        for name, url in pages.items():
            page.goto(url)
            settle(page)
            nav = page.locator("#tx-nav")
            button = page.get_by_role("button", name="菜单")
            # Folded: the menu button shows, the navigation does not.
            expect(button).to_be_visible()
            expect(button).to_have_attribute("aria-expanded", "false")
            expect(nav).to_be_hidden()
            assert page_width(page) <= PHONE["width"], f"{url} is {page_width(page)} px wide"
            page.screenshot(path=SCREENSHOTS / f"phone-{name}.png", full_page=True)

            button.click()
            expect(nav).to_be_visible()
            expect(button).to_have_attribute("aria-expanded", "true")
            expect(nav.get_by_role("link", name="代表人士")).to_be_visible()
            assert page_width(page) <= PHONE["width"], f"{url} with the menu open"
            if name == "home":
                page.screenshot(path=SCREENSHOTS / "phone-menu.png")
            button.click()
            expect(nav).to_be_hidden()

        # A wide table scrolls inside its card, not the page.
        page.goto("/persons/")
        settle(page)
        table = page.locator("table").first
        wrapper = table.locator("xpath=..")
        assert wrapper.evaluate("el => getComputedStyle(el).overflowX") == "auto"

        # The registration form stacks into one column.
        page.goto(f"/persons/{person.pk}/edit/")
        settle(page)
        assert page_width(page) <= PHONE["width"]
        name, sex = page.locator("#id_name").bounding_box(), page.locator("#id_sex").bounding_box()
        assert name["x"] == sex["x"] and sex["y"] > name["y"] + name["height"]
        page.screenshot(path=SCREENSHOTS / "phone-person-edit.png")

        # The menu leads somewhere: 代表人士 from the home page.
        page.goto("/")
        settle(page)
        page.get_by_role("button", name="菜单").click()
        page.locator("#tx-nav").get_by_role("link", name="代表人士").click()
        expect(page).to_have_url(f"{live_server.url}/persons/")
    assert problems == []


def test_the_desktop_keeps_its_sidebar(live_server, xingning_user, county_office):
    with chromium_page(live_server) as (page, problems):
        page.set_viewport_size(DESKTOP)
        log_in(page, "xingning")
        expect(page.get_by_role("button", name="菜单")).to_be_hidden()
        expect(page.locator("#tx-nav")).to_be_visible()
        sidebar = page.locator(".tx-sidebar").bounding_box()
        assert sidebar["width"] == 190 and sidebar["height"] >= DESKTOP["height"]
        assert page_width(page) <= DESKTOP["width"]
        page.screenshot(path=SCREENSHOTS / "desktop-persons.png")
    assert problems == []


@pytest.mark.parametrize("username", ["xingning", "city"])
def test_no_page_of_the_menu_is_wider_than_a_phone(
    live_server, xingning_user, city_user, county_office, username
):
    with chromium_page(live_server) as (page, problems):
        page.set_viewport_size(PHONE)
        log_in(page, username)
        urls = page.locator("#tx-nav a.nav-link").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
        wide = {}
        for url in urls:
            page.goto(url)
            settle(page)
            if page_width(page) > PHONE["width"]:
                wide[url] = page_width(page)
    assert len(urls) > 10
    assert wide == {}
    assert problems == []
