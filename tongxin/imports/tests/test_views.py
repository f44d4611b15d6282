"""The web flow: upload → mapping → preview → commit → undo, and who may use it."""

import io

import lxml.html
import pytest
import python_calamine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.imports.committing import import_file
from tongxin.imports.models import ImportBatch, ImportedRecord
from tongxin.imports.tests.rosters import HEADER, roster_row, write_xlsx
from tongxin.people.models import Person, PoliticalStatus

pytestmark = pytest.mark.django_db


def upload(client, path, **extra):
    with path.open("rb") as handle:
        data = SimpleUploadedFile(path.name, handle.read())
    return client.post(reverse("imports:upload"), {"file": data, **extra})


def mapping_post(batch, **changes) -> dict:
    data = {f"col_{i}": batch.mapping.get(str(i), "") for i in range(len(batch.columns))}
    data["on_duplicate"] = "skip"
    data.update(changes)
    return data


def existing_rows(response) -> list[list[str]]:
    """The preview's 已登记的人员 table, one list of cell texts per row."""
    page = lxml.html.fromstring(response.content.decode())
    rows = page.xpath('//*[@data-testid="existing"]//tbody/tr')
    return [[cell.text_content().strip() for cell in row.xpath("td")] for row in rows]


def test_it_walks_through_upload_mapping_preview_and_commit(tmp_path, client_for, xingning_user):
    client = client_for(xingning_user)
    rows = [roster_row(1, "张三"), roster_row(2, "李四", 政治面貌="火星党")]
    response = upload(client, write_xlsx(tmp_path / "兴宁名单.xlsx", rows))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("imports:mapping", args=[batch.pk])
    assert batch.file_name == "兴宁名单.xlsx"
    assert batch.created_by == xingning_user
    assert batch.region.name == "兴宁区"

    page = client.get(response.url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "表头在第3行" in text
    assert "E列：身份证号" in text

    response = client.post(response.url, mapping_post(batch))
    assert response.status_code == 302
    page = client.get(reverse("imports:detail", args=[batch.pk]))
    text = page.content.decode()
    assert "预览（尚未写入任何数据）" in text
    assert "第5行" in text and "G列“政治面貌”" in text and "政治面貌“火星党”无法识别" in text
    assert Person.objects.count() == 0

    response = client.post(reverse("imports:commit", args=[batch.pk]))
    assert response.status_code == 302
    assert list(Person.objects.values_list("name", flat=True)) == ["张三"]
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    page = client.get(reverse("imports:detail", args=[batch.pk]))
    assert "导入完成：新增 1 人，更新 0 人" in page.content.decode()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT, user=xingning_user).exists()


def test_the_user_corrects_a_column_mapping(tmp_path, client_for, city_user):
    header = ["姓名", "证件", "学历", "单位", "所在县区", "民族", "政治面貌", "所属群体"]
    row = roster_row(1, "张三")
    values = dict(zip(HEADER, row, strict=True))
    cells = [values["姓名"], values["身份证号"], "本科", "某公司", "兴宁区", "汉族", "群众",
             values["所属群体"]]  # fmt: skip
    path = write_xlsx(tmp_path / "名单.xlsx", [cells], header=header)
    client = client_for(city_user)
    upload(client, path)
    batch = ImportBatch.objects.get()
    assert "1" not in batch.mapping  # 证件 is not recognised on its own
    url = reverse("imports:mapping", args=[batch.pk])
    response = client.post(url, mapping_post(batch))
    assert response.status_code == 400
    assert "请指定“公民身份号码”所在的列" in response.content.decode()
    response = client.post(url, mapping_post(batch, col_1="id_number", col_3="employer"))
    assert response.status_code == 302
    client.post(reverse("imports:commit", args=[batch.pk]))
    person = Person.objects.get()
    assert person.employer == "某公司"


def test_two_columns_may_not_fill_the_same_field(tmp_path, client_for, city_user):
    client = client_for(city_user)
    upload(client, write_xlsx(tmp_path / "名单.xlsx", [roster_row(1)]))
    batch = ImportBatch.objects.get()
    response = client.post(
        reverse("imports:mapping", args=[batch.pk]), mapping_post(batch, col_0="name")
    )
    assert response.status_code == 400
    assert "“姓名”已对应到A列，一个字段只能对应一列" in response.content.decode()


def test_a_hostile_upload_is_refused_with_a_message(tmp_path, client_for, city_user):
    path = tmp_path / "名单.xlsx"
    path.write_text("not a spreadsheet")
    response = upload(client_for(city_user), path)
    assert response.status_code == 400
    assert "文件内容不是 Excel 或 ODS 表格" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_rejected_rows_download_as_xlsx_with_a_reason(tmp_path, client_for, city_user):
    client = client_for(city_user)
    rows = [roster_row(1, "张三"), roster_row(2, "李四", 身份证号="450102", 工作单位="=1+1")]
    upload(client, write_xlsx(tmp_path / "名单.xlsx", rows))
    batch = ImportBatch.objects.get()
    client.post(reverse("imports:mapping", args=[batch.pk]), mapping_post(batch))
    response = client.get(reverse("imports:rejected", args=[batch.pk]))
    assert response.status_code == 200
    sheet = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    rows = sheet.get_sheet_by_index(0).to_python()
    assert rows[0][-2:] == ["原行号", "未导入原因"]
    assert len(rows) == 2
    assert rows[1][1] == "李四"
    assert rows[1][-1] == "E列“身份证号”：公民身份号码应为18位，当前为6位"
    assert rows[1][-2] == 5


def test_it_updates_registered_persons_when_the_user_chooses_update(
    tmp_path, client_for, xingning_user, make_person
):
    person = make_person(
        "张三", employer="旧公司", political_status=PoliticalStatus.objects.get(name="群众")
    )
    rows = [roster_row(1, "张三", 身份证号=person.id_number, 工作单位="新公司")]
    client = client_for(xingning_user)
    upload(client, write_xlsx(tmp_path / "名单.xlsx", rows))
    batch = ImportBatch.objects.get()
    client.post(
        reverse("imports:mapping", args=[batch.pk]), mapping_post(batch, on_duplicate="update")
    )

    page = client.get(reverse("imports:detail", args=[batch.pk]))
    assert existing_rows(page) == [["第4行", "张三", person.masked_id_number, "更新", "工作单位"]]
    text = page.content.decode()
    assert "已登记人员的处理方式：用文件内容更新已登记人员" in text
    assert "确认导入（新增 0 人，更新 1 人）" in text
    assert person.id_number not in text

    response = client.post(reverse("imports:commit", args=[batch.pk]))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.employer == "新公司"
    assert person.version == 2
    latest = person.history.order_by("-history_id").first()
    assert (latest.version, latest.employer) == (2, "新公司")
    assert latest.history_change_reason == f"导入：名单.xlsx（批次#{batch.pk}）"
    assert latest.history_user == xingning_user
    record = ImportedRecord.objects.get(batch=batch)
    assert (record.action, record.version_after) == (ImportedRecord.Action.UPDATED, 2)
    assert record.previous == {"employer": "旧公司"}
    page = client.get(reverse("imports:detail", args=[batch.pk]))
    assert "导入完成：新增 0 人，更新 1 人" in page.content.decode()


def test_it_leaves_registered_persons_alone_when_the_user_chooses_skip(
    tmp_path, client_for, xingning_user, make_person
):
    masses = PoliticalStatus.objects.get(name="群众")
    changed = make_person("张三", employer="旧公司", political_status=masses)
    same = make_person("王五", employer="南宁某公司", political_status=masses)
    rows = [
        roster_row(1, "张三", 身份证号=changed.id_number, 工作单位="新公司"),
        roster_row(2, "王五", 身份证号=same.id_number),
        roster_row(3, "李四"),
    ]
    client = client_for(xingning_user)
    upload(client, write_xlsx(tmp_path / "名单.xlsx", rows))
    batch = ImportBatch.objects.get()
    client.post(reverse("imports:mapping", args=[batch.pk]), mapping_post(batch))

    page = client.get(reverse("imports:detail", args=[batch.pk]))
    assert existing_rows(page) == [
        ["第4行", "张三", changed.masked_id_number, "跳过", "工作单位"],
        ["第5行", "王五", same.masked_id_number, "无变化", ""],
    ]
    text = page.content.decode()
    assert "已登记人员的处理方式：跳过已登记人员" in text
    assert "确认导入（新增 1 人，更新 0 人）" in text

    client.post(reverse("imports:commit", args=[batch.pk]))
    for person in (changed, same):
        person.refresh_from_db()
        assert person.version == 1
        assert person.history.count() == 1
    assert changed.employer == "旧公司"
    assert Person.objects.filter(name="李四").exists()
    batch.refresh_from_db()
    counts = {key: batch.counts[key] for key in ("created", "skipped", "unchanged", "updated")}
    assert counts == {"created": 1, "skipped": 1, "unchanged": 1, "updated": 0}
    assert list(ImportedRecord.objects.values_list("action", flat=True)) == [
        ImportedRecord.Action.CREATED
    ]


def test_the_downloaded_rejected_rows_can_be_fixed_and_imported_again(
    tmp_path, client_for, city_user
):
    client = client_for(city_user)
    rows = [roster_row(1, "张三"), roster_row(2, "李四", 政治面貌="火星党")]
    upload(client, write_xlsx(tmp_path / "名单.xlsx", rows))
    first = ImportBatch.objects.get()
    client.post(reverse("imports:mapping", args=[first.pk]), mapping_post(first))
    client.post(reverse("imports:commit", args=[first.pk]))
    assert list(Person.objects.values_list("name", flat=True)) == ["张三"]

    response = client.get(reverse("imports:rejected", args=[first.pk]))
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    header, *rejected = book.get_sheet_by_index(0).to_python()
    assert header == [*HEADER, "原行号", "未导入原因"]
    assert len(rejected) == 1
    rejected[0][HEADER.index("政治面貌")] = "群众"
    path = write_xlsx(
        tmp_path / "名单-已改正.xlsx", rejected, title=None, blank_rows=0, header=header
    )

    response = upload(client, path)
    second = ImportBatch.objects.latest("pk")
    assert response.url == reverse("imports:mapping", args=[second.pk])
    assert second.columns[-2:] == ["原行号", "未导入原因"]
    assert second.mapping == first.mapping  # the two extra columns map to nothing
    client.post(reverse("imports:mapping", args=[second.pk]), mapping_post(second))
    second.refresh_from_db()
    assert second.problems == []
    assert (second.counts["created"], second.counts["invalid"]) == (1, 0)

    client.post(reverse("imports:commit", args=[second.pk]))
    second.refresh_from_db()
    assert second.status == ImportBatch.Status.COMMITTED
    person = Person.objects.get(name="李四")
    assert person.political_status.name == "群众"
    assert person.employer == "南宁某公司"
    assert person.remarks == ""
    assert ImportedRecord.objects.get(batch=second).row_number == 2


def test_undo_through_the_page_and_refusal_lists_blockers(tmp_path, client_for, city_user):
    path = write_xlsx(tmp_path / "名单.xlsx", [roster_row(1, "张三"), roster_row(2, "李四")])
    batch = import_file(actor=city_user, path=path, commit=True).batch
    client = client_for(city_user)
    person = Person.objects.get(name="李四")
    person.version = 5  # as if edited since
    person.save(update_fields=["version"])
    response = client.post(reverse("imports:undo", args=[batch.pk]))
    assert response.status_code == 409
    text = response.content.decode()
    assert "撤销未执行" in text and "李四" in text and "导入后已被修改" in text
    assert Person.objects.count() == 2

    person.version = 1
    person.save(update_fields=["version"])
    response = client.post(reverse("imports:undo", args=[batch.pk]))
    assert response.status_code == 302
    assert Person.objects.count() == 0
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UNDONE


def test_large_files_run_in_the_background_with_progress(tmp_path, client_for, city_user, settings):
    settings.IMPORT_BACKGROUND_ROWS = 2
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    client = client_for(city_user)
    upload(client, write_xlsx(tmp_path / "名单.xlsx", [roster_row(n) for n in range(1, 6)]))
    batch = ImportBatch.objects.get()
    client.post(reverse("imports:mapping", args=[batch.pk]), mapping_post(batch))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED  # the immediate backend ran the task
    assert batch.counts["created"] == 5
    client.post(reverse("imports:commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert Person.objects.count() == 5


def test_the_progress_bar_polls_while_running(tmp_path, client_for, city_user):
    path = write_xlsx(tmp_path / "名单.xlsx", [roster_row(1)])
    client = client_for(city_user)
    upload(client, path)
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.ANALYSING, phase="检查数据", progress_done=40, progress_total=80
    )
    page = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and "40 / 80 行" in page and "50%" in page
    partial = client.get(reverse("imports:progress", args=[batch.pk]))
    assert "检查数据" in partial.content.decode()
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.PREVIEWED)
    done = client.get(reverse("imports:progress", args=[batch.pk]))
    assert done.status_code == 204
    assert done["HX-Redirect"] == reverse("imports:detail", args=[batch.pk])


def test_the_list_shows_own_region_batches_only(
    tmp_path, client_for, xingning_user, qingxiu_user, django_assert_max_num_queries
):
    path = write_xlsx(tmp_path / "兴宁.xlsx", [roster_row(1)])
    import_file(actor=xingning_user, path=path, commit=True)
    path = write_xlsx(tmp_path / "青秀.xlsx", [roster_row(2, region="青秀区")])
    import_file(actor=qingxiu_user, path=path, commit=True)
    client = client_for(xingning_user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("imports:list"))
    text = response.content.decode()
    assert "兴宁.xlsx" in text and "青秀.xlsx" not in text


@pytest.mark.parametrize(
    "name, method",
    [
        ("detail", "get"),
        ("mapping", "get"),
        ("progress", "get"),
        ("commit", "post"),
        ("undo", "post"),
        ("rejected", "get"),
    ],
)
def test_another_regions_user_gets_404(tmp_path, client_for, xingning_user, qingxiu_user, name,
                                       method):  # fmt: skip
    path = write_xlsx(tmp_path / "兴宁.xlsx", [roster_row(1), roster_row(2, 政治面貌="火星党")])
    batch = import_file(actor=xingning_user, path=path, commit=True).batch
    response = getattr(client_for(qingxiu_user), method)(
        reverse(f"imports:{name}", args=[batch.pk])
    )
    assert response.status_code == 404
    assert Person.objects.count() == 1


@pytest.mark.parametrize(
    "url, method",
    [("imports:list", "get"), ("imports:upload", "get"), ("imports:upload", "post")],
)
def test_leader_cannot_import(client_for, leader_user, url, method):
    response = getattr(client_for(leader_user), method)(reverse(url))
    assert response.status_code == 404


def test_leader_cannot_commit_or_undo(tmp_path, client_for, leader_user, city_user):
    path = write_xlsx(tmp_path / "名单.xlsx", [roster_row(1)])
    batch = import_file(actor=city_user, path=path, commit=True).batch
    client = client_for(leader_user)
    assert client.post(reverse("imports:undo", args=[batch.pk])).status_code == 404
    assert client.post(reverse("imports:commit", args=[batch.pk])).status_code == 404
    assert Person.objects.count() == 1


def test_the_sidebar_shows_import_to_editors_only(client_for, xingning_user, leader_user):
    assert "导入" in client_for(xingning_user).get(reverse("people:list")).content.decode()
    page = client_for(leader_user).get(reverse("people:list")).content.decode()
    assert reverse("imports:list") not in page


def test_the_database_task_backend_runs_the_import_in_the_worker(
    tmp_path, client_for, city_user, settings
):
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "sqlite":
        # db_worker closes the database connection after each task; on PostgreSQL that
        # is the connection holding this test's transaction.
        pytest.skip("runs the real worker inside the test transaction (SQLite only)")
    settings.IMPORT_BACKGROUND_ROWS = 2
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client = client_for(city_user)
    response = upload(
        client, write_xlsx(tmp_path / "名单.xlsx", [roster_row(n) for n in range(1, 6)])
    )
    batch = ImportBatch.objects.get()
    # The request only stored the file: the worker reads it.
    assert response.url == reverse("imports:detail", args=[batch.pk])
    assert (batch.status, batch.columns) == (ImportBatch.Status.READING, [])
    page = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "正在读取文件" in page
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UPLOADED and batch.header_row == 3
    progress = client.get(reverse("imports:progress", args=[batch.pk]))
    assert progress["HX-Redirect"] == reverse("imports:mapping", args=[batch.pk])
    client.post(reverse("imports:mapping", args=[batch.pk]), mapping_post(batch))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ANALYSING  # queued, the worker has not run
    page = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "排队等待" in page and "可以离开或刷新本页" in page
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    client.post(reverse("imports:commit", args=[batch.pk]))
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert Person.objects.count() == 5
