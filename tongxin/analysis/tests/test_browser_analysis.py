"""The structure analysis in a real browser: a leader logs in, every chart draws
on a canvas without console errors, and a click on a bar opens the person list
of exactly the persons that bar counts. Saves docs/screenshots/analysis.png.

Run with `pytest -m browser tongxin/analysis -p no:xdist`.
"""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from tongxin.core.tests.browser import chromium_page, expect, log_in, print_to_pdf
from tongxin.people.models import Ethnicity, Person, PersonGroup, PoliticalStatus, SubCategory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCREENSHOT = Path(settings.BASE_DIR) / "docs" / "screenshots" / "analysis.png"


@pytest.fixture
def population(make_person, regions):
    """Forty persons of varied age, sex, ethnicity, group and level, some of
    them registered in past years (so the trend has something to show)."""
    ethnicities = list(Ethnicity.objects.filter(name__in=["汉族", "壮族", "瑶族", "苗族"]))
    groups = list(PersonGroup.objects.all()[:4])
    statuses = list(PoliticalStatus.objects.all()[:5])
    levels = [Person.Level.CITY, Person.Level.COUNTY, Person.Level.COUNTY, Person.Level.RESERVE]
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    made = []
    for i in range(40):
        person = make_person(
            surnames[i % 20] + "明华伟芳"[i % 4],
            region=regions["xingning"] if i % 3 else regions["qingxiu"],
            birth_date=datetime.date(1958 + (i * 7) % 40, 1 + i % 12, 1 + i % 27),
            sex="F" if i % 3 == 0 else "M",
            ethnicity=ethnicities[0 if i % 5 else (i // 5) % len(ethnicities)],
            group=groups[i % len(groups)],
            political_status=statuses[i % len(statuses)],
            level=levels[i % 4],
        )
        registered = datetime.date(2021 + i % 6, 3, 1)
        Person.history.filter(id=person.pk).update(
            history_date=timezone.make_aware(datetime.datetime.combine(registered, datetime.time()))
        )
        made.append(person)
    # Freelancers in their sub-categories: the long labels that overlapped (issue 18).
    for i, subcategory in enumerate(SubCategory.objects.filter(group=groups[2])):
        Person.objects.filter(pk=made[2 + 4 * i].pk).update(subcategory=subcategory)
    return made


def test_a_leader_sees_the_charts_and_clicks_through_to_the_list(
    live_server, leader_user, population
):
    with chromium_page(live_server) as (page, problems):
        log_in(page, "leader", "/analysis/")
        expect(page.get_by_test_id("analysis-total")).to_have_text("40")

        containers = page.locator("[data-chart]")
        count = containers.count()
        assert count >= 9  # seven distributions (+ positions, grades) and two trends
        for i in range(count):
            expect(containers.nth(i).locator("canvas")).to_have_count(1)
        assert page.evaluate(
            "[...document.querySelectorAll('[data-chart]')]"
            ".every(el => echarts.getInstanceByDom(el) !== undefined)"
        )
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        assert problems == []
        # 细分类别: long labels lie horizontally, one per line, none skipped
        sub = page.locator('[data-chart="subcategory"]')
        sub.scroll_into_view_if_needed()
        option = sub.evaluate("el => echarts.getInstanceByDom(el).getOption()")
        assert option["yAxis"][0]["type"] == "category"
        assert "知识型市场服务人员" in option["yAxis"][0]["data"]
        sub.screenshot(path="/tmp/shots-bulk/analysis-subcategory.png")

        # Click the 36—45 bar of the age chart where it is drawn on the canvas.
        chart = page.locator('[data-chart="age"]')
        chart.scroll_into_view_if_needed()
        expected = page.get_by_test_id("table-age").locator("td[data-count]").nth(1)
        band_total = int(expected.get_attribute("data-count"))
        assert band_total > 0
        x, y = chart.evaluate(
            "(el, n) => echarts.getInstanceByDom(el).convertToPixel({seriesIndex: 0}, [1, n / 2])",
            band_total,
        )
        box = chart.bounding_box()
        page.mouse.click(box["x"] + x, box["y"] + y)
        expect(page).to_have_url(re.compile(r"/persons/\?.*age=36-45"))
        expect(page.get_by_test_id("total")).to_have_text(str(band_total))
        expect(page.get_by_test_id("filter-chips")).to_contain_text("年龄：36—45岁")
        assert problems == []


PNG = b"\x89PNG\r\n\x1a\n"


def test_a_chart_saves_as_png(live_server, leader_user, population):
    """The toolbox's 保存为图片 (ECharts saveAsImage) downloads a PNG of the chart."""
    with chromium_page(live_server) as (page, problems):
        log_in(page, "leader", "/analysis/")
        chart = page.locator('[data-chart="sex"]')
        chart.scroll_into_view_if_needed()
        expect(chart.locator("canvas")).to_have_count(1)
        # The icon is drawn on the canvas: click the middle of it, where the
        # chart's own toolbox option (right, padding, item size) puts it.
        x, y = chart.evaluate(
            """el => {
              const t = echarts.getInstanceByDom(el).getOption().toolbox[0];
              return [el.clientWidth - t.right - t.padding - t.itemSize / 2,
                      t.padding + t.itemSize / 2];
            }"""
        )
        box = chart.bounding_box()
        page.mouse.move(box["x"] + x, box["y"] + y)
        with page.expect_download() as info:
            page.mouse.click(box["x"] + x, box["y"] + y)
        download = info.value
        assert download.suggested_filename == "性别结构.png"
        content = Path(download.path()).read_bytes()
        assert content.startswith(PNG)
        assert len(content) > 1000
        assert problems == []


def test_the_page_prints_only_its_figures_on_a4(live_server, leader_user, population):
    """On paper the navigation, the filter form and the buttons go; the
    charts, the tables and the filter in words stay."""
    with chromium_page(live_server) as (page, problems):
        log_in(page, "leader", "/analysis/")
        expect(page.locator("form.tx-filters")).to_be_visible()
        page.emulate_media(media="print")
        for hidden in (".tx-sidebar", ".tx-topbar", "form.tx-filters", "[data-tx-print]"):
            expect(page.locator(hidden)).to_be_hidden()
        expect(page.get_by_text("导出全部表格（Excel）")).to_be_hidden()
        expect(page.locator(".tx-print-only")).to_be_visible()
        expect(page.locator(".tx-print-only")).to_contain_text("区域：全部可见区域")
        charts = page.locator("[data-chart]")
        tables = page.locator("table[data-testid^='table-']")
        assert charts.count() >= 9
        assert tables.count() == charts.count()
        for i in range(charts.count()):
            expect(charts.nth(i)).to_be_visible()
            expect(charts.nth(i).locator("canvas")).to_have_count(1)
            expect(tables.nth(i)).to_be_visible()
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF")
        # A4 in points (210 × 297 mm), portrait.
        assert re.search(rb"/MediaBox \[0 0 59[45]\.\d+ 84[12]\.\d+\]", pdf)
        assert problems == []


def test_one_regions_analysis_prints_without_empty_pages(
    live_server, leader_user, population, regions
):
    """Each section used to start a page of its own: 11 sheets, most of them
    holding a small table and white space. Sections now follow each other."""
    url = f"/analysis/?region={regions['xingning'].pk}"
    with chromium_page(live_server) as (page, problems):
        log_in(page, "leader", "/analysis/")
        page.goto(url)
        expect(page.locator("[data-chart] canvas").first).to_be_visible()
        sections = page.locator(".tx-analysis-section h2").all_inner_texts()
        sheets = print_to_pdf(page)
        assert problems == []
    printed = "".join(s["text"] for s in sheets)
    for title in sections:
        assert title.split()[0] in printed
    assert len(sheets) <= len(sections) // 2 + 1, [len(s["text"]) for s in sheets]
    # No empty sheet: every one carries a table.
    for sheet in sheets:
        assert "合计" in sheet["text"], sheet["text"]
    assert "区域：兴宁区" in sheets[0]["text"]
