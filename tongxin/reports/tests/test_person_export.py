import io

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from tongxin.accounts.models import User
from tongxin.audit.models import AuditEntry
from tongxin.people.models import Person
from tongxin.reports.exporters import PERSON_COLUMNS
from tongxin.reports.models import ReportJob
from tongxin.reports.tests.helpers import read_xlsx_cells, xlsx_values

pytestmark = pytest.mark.django_db

HEADERS = [c.header for c in PERSON_COLUMNS]
COL = {h: i for i, h in enumerate(HEADERS)}


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def export(client, **params):
    response = client.get(reverse("reports:person_export"), params)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    return body(response)


def test_it_writes_formula_looking_values_as_text(client_for, city_user, make_person):
    hostile = {
        "employer": "=1+1",
        "job_title": "@SUM(A1)",
        "native_place": "+86",
        "school": "-2+3",
        "remarks": "\t=cmd|' /C calc'!A0",
        "address": '\r=HYPERLINK("http://x")',
    }
    make_person("张三", **hostile)
    data = export(client_for(city_user))
    rows = read_xlsx_cells(data)
    assert [v for v, _ in rows[0]] == HEADERS
    person_row = rows[1]
    for field, value in hostile.items():
        header = next(c.header for c in PERSON_COLUMNS if c.source == field)
        cell_value, cell_type = person_row[COL[header]]
        assert cell_type in {"s", "inlineStr", "str"}, (field, cell_type)
        assert cell_value == value
    assert not any(kind == "formula" for row in rows for _, kind in row)
    # And a real spreadsheet reader sees the same text.
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    for field, value in hostile.items():
        header = next(c.header for c in PERSON_COLUMNS if c.source == field)
        assert sheet[1][COL[header]] == value


def test_it_masks_identifiers_for_leader_and_audits_the_export(
    client_for, leader_user, make_person, regions
):
    person = make_person("张三", region=regions["qingxiu"], mobile="13912345678")
    data = export(client_for(leader_user), region=regions["qingxiu"].pk)
    row = xlsx_values(data)[1]
    assert row[COL["姓名"]] == "张三"
    assert row[COL["公民身份号码"]] == person.id_number[:6] + "********" + person.id_number[-4:]
    assert row[COL["联系电话"]] == "139****5678"
    assert person.id_number.encode() not in data
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).get()
    assert entry.user == leader_user
    assert entry.object_type == "reports.person_export"
    assert entry.changes["rows"] == 1
    assert entry.changes["revealed"] is False
    assert entry.changes["filter"] == {
        "region": str(regions["qingxiu"].pk),
        "status": "active",
        "sort": "recent",
    }
    assert entry.changes["筛选条件"] == "区域：青秀区；状态：在库"


def test_it_gives_county_staff_full_identifiers_and_logs_it(client_for, xingning_user, make_person):
    person = make_person("张三", mobile="13912345678")
    row = xlsx_values(export(client_for(xingning_user)))[1]
    assert row[COL["公民身份号码"]] == person.id_number
    assert row[COL["联系电话"]] == "13912345678"
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert entry.user == xingning_user and entry.changes["revealed"] is True


def test_it_never_exports_another_regions_persons(client_for, xingning_user, make_person, regions):
    make_person("张三", region=regions["xingning"])
    make_person("王五", region=regions["qingxiu"])
    client = client_for(xingning_user)
    names = [r[0] for r in xlsx_values(export(client))[1:]]
    assert names == ["张三"]
    # asking for the other region by filter gives an empty list, not its persons
    assert xlsx_values(export(client, region=regions["qingxiu"].pk))[1:] == []


def test_it_follows_the_lists_filter_and_order_across_all_pages(
    client_for, city_user, make_person, settings
):
    settings.PAGE_SIZE = 2
    make_person("王五", level=Person.Level.CITY)
    make_person("安然", level=Person.Level.CITY)
    make_person("张三", level=Person.Level.CITY)
    make_person("李四", level=Person.Level.RESERVE)
    archived = make_person("白云", level=Person.Level.CITY)
    archived.status = Person.Status.ARCHIVED
    archived.save(update_fields=["status"])
    data = export(client_for(city_user), level="city", sort="name")
    names = [r[0] for r in xlsx_values(data)[1:]]
    assert names == ["安然", "王五", "张三"]
    data = export(client_for(city_user), status="all", sort="recent")
    names = [r[0] for r in xlsx_values(data)[1:]]
    assert names == ["白云", "李四", "张三", "安然", "王五"]


def test_it_writes_dictionary_names_and_dates(client_for, city_user, make_person, regions):
    make_person("张三", career_start_year=2008, employer="南宁某科技有限公司")
    rows = read_xlsx_cells(export(client_for(city_user)))
    row = rows[1]
    assert row[COL["所属区域"]][0] == "兴宁区"
    assert row[COL["民族"]][0] == "汉族"
    assert row[COL["分级"]][0] == "县区联系"
    assert row[COL["性别"]][0] == "男"
    assert row[COL["从业起始年份"]] == ("2008", "n")
    # a real date cell (serial number), so Excel sorts it as a date
    assert row[COL["出生日期"]][1] == "n"


def test_it_refuses_evaluators(client, regions):
    evaluator = User.objects.create_user(username="ev", password="x", role=User.Role.EVALUATOR)
    client.force_login(evaluator, backend="tongxin.accounts.backends.TongxinBackend")
    assert client.get(reverse("reports:person_export")).status_code == 404
    assert client.post(reverse("reports:person_export")).status_code == 404
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


def test_it_reads_a_bounded_number_of_queries(
    client_for, city_user, make_person, django_assert_max_num_queries
):
    for i in range(30):
        make_person(f"张{i}")
    client = client_for(city_user)
    with django_assert_max_num_queries(16):
        export(client)


# --- large exports in the background ------------------------------------------------


def test_a_large_export_runs_as_a_background_task(
    client_for, xingning_user, qingxiu_user, make_person, regions, settings
):
    settings.REPORTS_BACKGROUND_ROWS = 2
    for name in ["甲一", "乙二", "丙三"]:
        make_person(name)
    make_person("丁四", region=regions["qingxiu"])
    client = client_for(xingning_user)
    page = client.get(reverse("reports:person_export"), {"sort": "name"})
    assert page.status_code == 200
    assert "后台生成" in page.content.decode()
    assert not ReportJob.objects.exists()

    response = client.post(reverse("reports:person_export") + "?sort=name")
    job = ReportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:job", args=[job.pk])
    assert job.status == ReportJob.Status.DONE
    assert job.total == 3 and job.user == xingning_user
    assert job.params["sort"] == "name"

    text = client.get(reverse("reports:job", args=[job.pk])).content.decode()
    assert "已完成" in text and "下载文件" in text
    download = client.get(reverse("reports:job_download", args=[job.pk]))
    assert download.status_code == 200
    names = [r[0] for r in xlsx_values(body(download))[1:]]
    assert sorted(names) == sorted(["甲一", "乙二", "丙三"])

    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert entry.user == xingning_user
    assert entry.changes["rows"] == 3 and entry.changes["job"] == job.pk

    # The file is the requester's alone.
    other = client_for(qingxiu_user)
    assert other.get(reverse("reports:job", args=[job.pk])).status_code == 404
    assert other.get(reverse("reports:job_download", args=[job.pk])).status_code == 404


def test_the_job_page_polls_until_done_and_survives_reload(client_for, city_user, regions):
    job = ReportJob.objects.create(
        kind=ReportJob.Kind.PERSON_EXPORT, user=city_user, total=10_000, done=2_500,
        status=ReportJob.Status.RUNNING,
    )  # fmt: skip
    client = client_for(city_user)
    text = client.get(reverse("reports:job", args=[job.pk])).content.decode()
    assert "生成中" in text and "25%" in text and 'hx-trigger="every 1s"' in text
    partial = client.get(reverse("reports:job", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()
    assert "2500 / 10000" in partial.content.decode()
    assert client.get(reverse("reports:job_download", args=[job.pk])).status_code == 404


def test_a_pending_job_tells_the_user_it_waits_for_the_worker(client_for, city_user, regions):
    job = ReportJob.objects.create(kind=ReportJob.Kind.PERSON_EXPORT, user=city_user, total=9)
    text = client_for(city_user).get(reverse("reports:job", args=[job.pk])).content.decode()
    assert "排队中" in text and "后台任务程序" in text


def test_a_failed_job_says_so_and_leaves_no_file(
    client_for, city_user, make_person, settings, monkeypatch
):
    settings.REPORTS_BACKGROUND_ROWS = 0
    make_person("张三")

    def broken(*args, **kwargs):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr("tongxin.reports.services.person_export_to", broken)
    client = client_for(city_user)
    client.post(reverse("reports:person_export"))
    job = ReportJob.objects.get()
    assert job.status == ReportJob.Status.FAILED
    text = client.get(reverse("reports:job", args=[job.pk])).content.decode()
    assert "生成失败" in text and "磁盘已满" in text
    exports = settings.MEDIA_ROOT / "exports"  # the shared file storage
    assert not exports.exists() or list(exports.iterdir()) == []
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


def test_the_reports_index_lists_only_my_jobs(client_for, city_user, xingning_user, regions):
    ReportJob.objects.create(kind=ReportJob.Kind.PERSON_EXPORT, user=city_user, total=7)
    ReportJob.objects.create(kind=ReportJob.Kind.FORM_BATCH, user=xingning_user, total=3)
    text = client_for(xingning_user).get(reverse("reports:index")).content.decode()
    jobs = text.split('data-testid="jobs"')[1]
    assert "登记表批量导出" in jobs and "人员名单导出" not in jobs


def test_the_list_page_links_to_the_export_with_its_filter(client_for, city_user, regions):
    text = client_for(city_user).get(reverse("people:list"), {"level": "city"}).content.decode()
    assert "导出Excel" in text
    assert reverse("reports:person_export") + "?level=city" in text


def test_nav_shows_reports_to_every_role_but_evaluator(client, client_for, leader_user):
    text = client_for(leader_user).get(reverse("reports:index")).content.decode()
    assert f'href="{reverse("reports:index")}"' in text
    evaluator = User.objects.create_user(username="ev", password="x", role=User.Role.EVALUATOR)
    client.force_login(evaluator, backend="tongxin.accounts.backends.TongxinBackend")
    assert client.get(reverse("reports:index")).status_code == 404
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("reports:index")}"' not in home


def test_old_files_are_deleted_and_the_page_says_so(client_for, city_user, make_person, settings):
    import os

    settings.REPORTS_BACKGROUND_ROWS = 0
    make_person("张三")
    client = client_for(city_user)
    client.post(reverse("reports:person_export"))
    old = ReportJob.objects.get()
    path = settings.MEDIA_ROOT / "exports" / old.file_name
    eight_days_ago = path.stat().st_mtime - 8 * 86400
    os.utime(path, (eight_days_ago, eight_days_ago))
    client.post(reverse("reports:person_export"))  # the next job sweeps old files
    assert not path.exists()
    text = client.get(reverse("reports:job", args=[old.pk])).content.decode()
    assert "已删除" in text
    assert client.get(reverse("reports:job_download", args=[old.pk])).status_code == 404


@given(
    st.lists(st.one_of(st.text(max_size=30), st.integers(-(10**9), 10**9)), min_size=1, max_size=6)
)
@hypothesis_settings(max_examples=60, deadline=None)
def test_any_value_reads_back_as_written(values):
    """Whatever text a person's record holds comes back out of the file unchanged."""
    from tongxin.core.xlsx_stream import XlsxRowWriter

    buffer = io.BytesIO()
    with XlsxRowWriter(
        buffer, sheet_name="t", headers=["h"] * len(values), widths=[8] * len(values)
    ) as w:
        w.write_rows([values])
    cells = read_xlsx_cells(buffer.getvalue())[1]
    for value, (text, kind) in zip(values, cells + [("", "")] * len(values), strict=False):
        if value == "":
            continue
        if isinstance(value, str):
            assert kind == "inlineStr" and text == value
        else:
            assert kind == "n" and int(text) == value


def test_a_filter_that_does_not_parse_exports_nothing(client_for, city_user, make_person):
    make_person("张三")
    response = client_for(city_user).get(reverse("reports:person_export"), {"region": "abc"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("people:list"))
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()
