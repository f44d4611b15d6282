"""A person's rights page: who may see it, the copy (查阅复制) as one xlsx,
correction through the edit form, and the guards around erasure."""

import datetime
import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from python_calamine import CalamineWorkbook

from tongxin.audit.models import AuditEntry
from tongxin.people.models import Person
from tongxin.privacy.erasure import scrub
from tongxin.privacy.models import PrivacyRequest
from tongxin.reports.models import ReportJob
from tongxin.service import services as service_services
from tongxin.service.models import RequestCategory, ServiceRequest

pytestmark = pytest.mark.django_db

DETAILS = {"requester": "本人", "received_on": "2026-11-01", "reference": "书面申请 2026-3号"}


@pytest.fixture
def person(make_person, city_user):
    person = make_person(
        "李权利", employer='=HYPERLINK("http://x")', mobile="13912340000", actor=city_user
    )
    service_services.service_request_create(
        actor=city_user,
        person=person,
        data={
            "category": RequestCategory.objects.get(name="社会保障"),
            "content": "社保转移",
            "channel": ServiceRequest.Channel.IN_PERSON,
            "received_on": datetime.date(2026, 10, 1),
        },
    )
    return person


def _url(name, person):
    return reverse(f"privacy:{name}", args=[person.pk])


def test_staff_of_the_region_see_the_rights_page(client_for, xingning_user, person):
    response = client_for(xingning_user).get(_url("person", person))
    assert response.status_code == 200
    text = response.content.decode()
    assert "查阅复制：导出全部信息" in text
    assert "删除申请由系统管理员办理" in text
    assert "确认删除" not in text


def test_the_person_page_links_the_rights_page(client_for, xingning_user, person):
    response = client_for(xingning_user).get(reverse("people:detail", args=[person.pk]))
    assert _url("person", person) in response.content.decode()


@pytest.mark.parametrize("name", ["person", "export", "correct", "erase"])
def test_another_regions_staff_get_404(client_for, qingxiu_user, person, name):
    client = client_for(qingxiu_user)
    response = client.post(_url(name, person), DETAILS) if name != "person" else None
    response = response or client.get(_url(name, person))
    assert response.status_code == 404
    assert not PrivacyRequest.objects.exists()


def test_a_leader_reads_but_cannot_act(client_for, leader_user, person):
    client = client_for(leader_user)
    response = client.get(_url("person", person))
    assert response.status_code == 200
    assert "查阅复制：导出全部信息" not in response.content.decode()
    assert client.post(_url("export", person), DETAILS).status_code == 404
    assert client.post(_url("correct", person), DETAILS).status_code == 404
    assert client.post(_url("erase", person), DETAILS).status_code == 404
    assert not PrivacyRequest.objects.exists()


def test_the_copy_is_one_xlsx_with_everything_unmasked(client_for, xingning_user, person):
    response = client_for(xingning_user).post(_url("export", person), DETAILS)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    content = response.content
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    assert book.sheet_names[0] == "登记信息"
    registration = dict(
        (row[0], row[1]) for row in book.get_sheet_by_name("登记信息").to_python()[1:]
    )
    assert registration["姓名"] == "李权利"
    assert registration["公民身份号码"] == person.id_number
    assert registration["联系电话"] == "13912340000"
    assert registration["工作单位"] == '=HYPERLINK("http://x")'
    assert "意见诉求" in book.sheet_names
    assert "代表人士历史" in book.sheet_names
    audit_rows = book.get_sheet_by_name("审计日志").to_python()
    assert any(row[2] == "新增" for row in audit_rows[1:])
    # No formulas anywhere: a value starting with "=" is text.
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in archive.read(n) for n in sheets)

    request = PrivacyRequest.objects.get()
    assert request.kind == PrivacyRequest.Kind.ACCESS
    assert request.person == person and request.handled_by == xingning_user
    assert request.reference == "书面申请 2026-3号"
    actions = set(
        AuditEntry.objects.filter(
            object_type="people.person", object_id=str(person.pk)
        ).values_list("action", flat=True)
    )
    assert {AuditEntry.Action.EXPORT, AuditEntry.Action.REVEAL} <= actions
    export = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT, object_id=str(person.pk))
    assert export.changes["privacy_request"] == request.pk


def test_a_request_without_its_details_is_refused_in_chinese(client_for, xingning_user, person):
    response = client_for(xingning_user).post(
        _url("export", person), {"requester": "", "received_on": "2099-01-01", "reference": ""}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "请填写申请人。" in text
    assert "收到日期不能晚于今天。" in text
    assert "请填写申请依据/文号。" in text
    assert not PrivacyRequest.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


def test_correction_is_recorded_and_leads_to_the_edit_form(client_for, xingning_user, person):
    response = client_for(xingning_user).post(_url("correct", person), DETAILS)

    assert response.status_code == 302
    assert response["Location"] == reverse("people:edit", args=[person.pk])
    request = PrivacyRequest.objects.get()
    assert request.kind == PrivacyRequest.Kind.CORRECT
    assert AuditEntry.objects.filter(
        object_type="privacy.privacyrequest", object_id=str(request.pk)
    ).exists()


ERASE = {
    "erase-requester": "本人",
    "erase-received_on": "2026-11-01",
    "erase-reference": "删除申请 2026-5号",
    "erase-confirm_name": "李权利",
}


@pytest.mark.parametrize("who", ["city_user", "xingning_user"])
def test_only_system_admins_may_erase(request, client_for, person, who):
    client = client_for(request.getfixturevalue(who))
    assert client.post(_url("erase", person), ERASE).status_code == 404
    assert Person.objects.filter(pk=person.pk).exists()


def test_erasure_needs_the_name_typed(client_for, admin_user, person):
    client = client_for(admin_user)
    assert "确认删除" in client.get(_url("person", person)).content.decode()

    response = client.post(_url("erase", person), {**ERASE, "erase-confirm_name": "李"})

    assert response.status_code == 400
    assert "确认姓名与该人员的姓名不一致，未删除。" in response.content.decode()
    assert Person.objects.filter(pk=person.pk).exists()
    assert not PrivacyRequest.objects.exists()


def test_erasure_waits_for_a_running_report_job(client_for, admin_user, city_user, person):
    job = ReportJob.objects.create(kind=ReportJob.Kind.PERSON_EXPORT, user=city_user)

    response = client_for(admin_user).post(_url("erase", person), ERASE)

    assert response.status_code == 409
    assert f"报表任务#{job.pk}正在生成，请在其完成后再删除" in response.content.decode()
    assert Person.objects.filter(pk=person.pk).exists()
    assert not PrivacyRequest.objects.exists()


def test_erasure_removes_the_person_and_audits_it(client_for, admin_user, person):
    pk = person.pk
    response = client_for(admin_user).post(_url("erase", person), ERASE)

    assert response.status_code == 302
    assert not Person.objects.filter(pk=pk).exists()
    assert not ServiceRequest.objects.filter(person_id=pk).exists()
    assert not ServiceRequest.history.filter(person_id=pk).exists()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.DELETE, object_id=str(pk))
    assert entry.user == admin_user
    assert entry.changes["reference"] == "删除申请 2026-5号"
    assert entry.changes["deleted"] == {"代表人士": 1, "意见诉求": 1, "分级名单": 1}
    assert "李权利" not in str(entry.changes) and "李权利" not in entry.object_repr


def test_erasure_deletes_the_photo_once_committed(
    client_for, admin_user, person, django_capture_on_commit_callbacks
):
    person.photo.save("p.jpg", ContentFile(b"jpeg"), save=False)
    Person.objects.filter(pk=person.pk).update(photo=person.photo.name)
    storage, name = person.photo.storage, person.photo.name
    assert storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post(_url("erase", person), ERASE)

    assert response.status_code == 302
    assert not storage.exists(name)


def test_scrub_replaces_mentions_and_drops_objects_that_name_the_person():
    needles = ["李权利", "13912340000"]
    value = {
        "participants": ["李权利", "王五"],
        "existing": [{"row": 3, "name": "李权利"}, {"row": 4, "name": "王五"}],
        "note": "电话13912340000",
    }
    assert scrub(value, needles) == {
        "participants": ["（已删除）", "王五"],
        "existing": [{"row": 4, "name": "王五"}],
        "note": "电话（已删除）",
    }


def test_erasure_leaves_other_persons_records_alone(client_for, admin_user, person, make_person):
    colleague = make_person("王同事", resume="曾与李权利同在一家公司")

    client_for(admin_user).post(_url("erase", person), ERASE)

    colleague.refresh_from_db()
    assert colleague.resume == "曾与李权利同在一家公司"


def test_erasure_deletes_the_roster_file_the_person_came_from(
    tmp_path, client_for, admin_user, city_user, django_capture_on_commit_callbacks
):
    from tongxin.imports.committing import import_file
    from tongxin.imports.tests.rosters import roster_row, write_xlsx

    path = write_xlsx(tmp_path / "roster.xlsx", [roster_row(1, "赵名单")])
    batch = import_file(actor=city_user, path=path, file_name="roster.xlsx", commit=True).batch
    batch.file.save("roster.xlsx", ContentFile(path.read_bytes()), save=False)
    type(batch).objects.filter(pk=batch.pk).update(file=batch.file.name)
    storage, name = batch.file.storage, batch.file.name
    person = Person.objects.get(name="赵名单")

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post(
            _url("erase", person), {**ERASE, "erase-confirm_name": "赵名单"}
        )

    assert response.status_code == 302
    batch.refresh_from_db()
    assert not batch.file
    assert not storage.exists(name)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.DELETE, object_id=str(person.pk))
    assert entry.changes["import_files_cleared"] == 1
    assert entry.changes["deleted"]["导入记录"] == 1
