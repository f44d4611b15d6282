"""City staff use the reports pages in a real browser (Playwright + Chromium):
the summary table (附件1) for one region downloaded as xlsx, and a batch of
registration forms (附件2) for a filtered list, made in the background while
the page polls its progress, then downloaded as a zip.

Run with `pytest -m browser tongxin/reports/tests/test_browser_reports.py -p no:xdist`.
"""

import re
import threading
import zipfile

import pytest
from django.db import connection

from tongxin.core.tests.browser import chromium_page, expect, log_in
from tongxin.reports import services
from tongxin.reports.models import ReportJob
from tongxin.reports.summary import TITLE
from tongxin.reports.tests.helpers import docx_text, xlsx_values

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def run_in_the_background(job_id: int) -> threading.Thread:
    """What `tongxin db_worker` does with the queued task, in another thread."""

    def work():
        try:
            services.report_job_run(job_id=job_id)
        finally:
            connection.close()

    thread = threading.Thread(target=work)
    thread.start()
    return thread


def test_city_staff_download_the_summary_and_a_batch_of_forms(
    live_server, city_user, make_person, regions, settings, tmp_path
):
    for name in ["蒙海燕", "农建军", "韦小宝"]:
        make_person(name, region=regions["xingning"])
    make_person("青秀人", region=regions["qingxiu"])
    # Queue tasks without running them, so the page shows the job waiting and
    # then watches it finish (the reports conftest otherwise runs them inline).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}

    with chromium_page(live_server) as (page, problems):
        page.set_default_timeout(30_000)
        expect.set_options(timeout=30_000)
        log_in(page, "city", "/reports/")

        # 附件1: the summary table for one region, as xlsx.
        page.get_by_role("link", name="查看汇总表").click()
        expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
        page.select_option("#s-region", label="兴宁区")  # submits the form
        expect(page.locator("body")).to_contain_text("填报单位：兴宁区")
        total = page.get_by_test_id("summary").locator("tr[data-kind=total] td").last
        expect(total).to_have_text("3")
        with page.expect_download() as download_info:
            page.get_by_role("link", name="下载Excel（A4横向）").click()
        download = download_info.value
        assert download.suggested_filename.startswith(f"{TITLE}-兴宁区-")
        assert download.suggested_filename.endswith(".xlsx")
        summary_path = tmp_path / "summary.xlsx"
        download.save_as(summary_path)

        # 附件2: the forms of a filtered list, made in the background.
        page.get_by_role("link", name="报表", exact=True).first.click()
        page.get_by_role("link", name="批量生成登记表").click()
        page.select_option("#b-region", label="兴宁区")
        page.get_by_role("button", name="筛选").click()
        expect(page.get_by_test_id("total")).to_have_text("3")
        page.get_by_role("button", name="开始生成").click()
        expect(page).to_have_url(re.compile(r"/reports/jobs/\d+/$"))
        status = page.get_by_test_id("job-status")
        expect(status).to_contain_text("排队中")
        expect(status.get_by_role("progressbar")).to_be_visible()
        job_id = int(re.search(r"/jobs/(\d+)/", page.url).group(1))

        worker = run_in_the_background(job_id)
        # htmx polls every second and swaps the status in place.
        expect(status).to_contain_text("已完成")
        expect(status).to_contain_text("共 3 人")
        with page.expect_download() as download_info:
            status.get_by_role("link", name="下载文件").click()
        download = download_info.value
        assert download.suggested_filename.endswith(".zip")
        zip_path = tmp_path / "forms.zip"
        download.save_as(zip_path)
        assert problems == []
    worker.join(timeout=60)

    rows = xlsx_values(summary_path.read_bytes())
    assert rows[0][0] == TITLE
    assert rows[1][0] == "填报单位：兴宁区"
    assert rows[-1][0] == "合计" and rows[-1][-1] == "3"

    with zipfile.ZipFile(zip_path) as archive:
        assert archive.testzip() is None
        names = [n for n in archive.namelist() if n.endswith(".docx")]
        texts = [docx_text(archive.read(n)) for n in names]
    assert len(names) == 3
    for name in ["蒙海燕", "农建军", "韦小宝"]:
        assert sum(name in text for text in texts) == 1, name
    assert not any("青秀人" in t for t in texts)
    job = ReportJob.objects.get(pk=job_id)
    assert job.status == ReportJob.Status.DONE and job.user == city_user
