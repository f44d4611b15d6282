"""使用手册: the user pages of docs/ rendered in the product, reachable from every page."""

import pytest
from django.urls import reverse

from tongxin.core import manual

pytestmark = pytest.mark.django_db


def test_every_page_of_the_manual_renders_for_staff(client_for, xingning_user):
    client = client_for(xingning_user)
    front = client.get("/help/")
    assert front.status_code == 200
    text = front.content.decode()
    assert "<h1>使用手册</h1>" in text
    for slug in manual.PAGES:
        if slug == "index":
            continue
        page = manual.manual_page(slug)
        assert page is not None, f"docs/{manual.PAGES[slug]} is missing"
        # The contents list every page, and the front page's links lead to them.
        assert f'href="/help/{slug}/"' in text
        response = client.get(reverse("manual", args=[slug]))
        assert response.status_code == 200
        body = response.content.decode()
        assert f"<h1>{page.title}</h1>" in body
        assert "issue" not in body.lower().replace('class="', "")  # "（issue 6）" stays out
    assert client.get("/help/index/").url == "/help/"
    assert client.get("/help/nothing-here/").status_code == 404


def test_it_needs_a_login(client):
    response = client.get("/help/imports/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_the_manual_link_opens_the_page_about_where_the_user_is(client_for, city_user):
    client = client_for(city_user)
    for url, target in [
        ("/", "/help/"),
        ("/analysis/", "/help/analysis/"),
        ("/reports/summary/", "/help/reports/"),
        ("/persons/", "/help/people/"),
        ("/regions/", "/help/"),
    ]:
        page = client.get(url).content.decode()
        assert f'href="{target}" data-testid="manual-link">使用手册</a>' in page, url


def test_markdown_is_rendered_without_raw_html_and_with_links_to_the_manual(
    client_for, xingning_user, settings, tmp_path
):
    (tmp_path / "docs" / "features").mkdir(parents=True)
    (tmp_path / "docs" / "manual.md").write_text(
        "# 使用手册（issue 18）\n\n见[导入](features/imports.md#步骤)和[代码](../tongxin/x.py)。\n\n"
        "<script>alert(1)</script>\n\n[坏链接](javascript:alert(1))\n\n"
        "| 列 | 值 |\n| --- | --- |\n| a | 1 |\n",
        encoding="utf-8",
    )
    (tmp_path / "docs" / "features" / "imports.md").write_text("# 导入\n", encoding="utf-8")
    settings.BASE_DIR = tmp_path
    body = client_for(xingning_user).get("/help/").content.decode()
    assert "<h1>使用手册</h1>" in body
    assert '<a href="/help/imports/">导入</a>' in body
    assert '<a href="/help/">代码</a>' in body
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body
    assert 'href="javascript:' not in body
    assert '<table class="table table-sm table-bordered">' in body


def test_the_registration_form_explains_its_fields(client_for, xingning_user):
    page = client_for(xingning_user).get(reverse("people:create")).content.decode()
    for help_text in [
        "开始从事本行业的年份",
        "先选人员类别，这里只列出该类别的细分类别。",
        "市级重点联系：全市约200名有重大影响的代表人士",
        "留空则按身份证号码填写。",
    ]:
        assert help_text in page


def test_developer_sections_stay_out_of_the_manual(client_for, xingning_user):
    body = client_for(xingning_user).get("/help/analysis/").content.decode()
    assert "能做什么" in body and "点击穿透" in body
    assert "口径与设计决定" not in body and "首页的开销" not in body
    reports = client_for(xingning_user).get("/help/reports/").content.decode()
    assert "附件2 分级分类管理登记表" in reports and "test_browser_reports.py" not in reports


def test_paragraphs_that_name_code_stay_out(client_for, xingning_user, settings, tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "manual.md").write_text(
        "# 使用手册\n\n上传后页面显示进度。\n\n后台由 `tongxin db_worker` 处理。\n\n"
        "- 第一项\n- 由 `import_batch_read` 读表\n- 第三项\n\n见 `IMPORT_BACKGROUND_ROWS`。\n",
        encoding="utf-8",
    )
    settings.BASE_DIR = tmp_path
    body = client_for(xingning_user).get("/help/").content.decode()
    assert (
        "上传后页面显示进度。" in body and "<li>第一项</li>" in body and "<li>第三项</li>" in body
    )
    for code in ["db_worker", "import_batch_read", "IMPORT_BACKGROUND_ROWS"]:
        assert code not in body
