import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document
from PIL import Image

from tongxin.audit.models import AuditEntry
from tongxin.reports import registration
from tongxin.reports.models import ReportJob
from tongxin.reports.tests.helpers import docx_text

pytestmark = pytest.mark.django_db


def full_person(make_person, **fields):
    return make_person(
        "韦小宝",
        native_place="广西南宁",
        school="广西大学",
        major="软件工程",
        employer="南宁同心科技有限公司",
        job_title="总经理",
        professional_title="高级工程师",
        career_start_year=2008,
        mobile="13912345678",
        resume="2008年至今 南宁同心科技有限公司\n2004年 广西大学",
        achievements="带动就业三百人",
        public_welfare="捐资助学",
        recommender="兴宁区委统战部",
        department_opinion="同意列为县区联系",
        remarks="<b>备注</b> & 其他",
        **fields,
    )


def get_form(client, person):
    response = client.get(reverse("reports:person_form", args=[person.pk]))
    assert response.status_code == 200
    assert "wordprocessingml" in response["Content-Type"]
    assert "attachment" in response["Content-Disposition"]
    return response.content


def test_the_form_holds_the_persons_fields(client_for, xingning_user, make_person):
    person = full_person(make_person)
    text = docx_text(get_form(client_for(xingning_user), person))
    for expected in [
        "新的社会阶层代表人士分级分类管理登记表",
        "韦小宝", "男", "汉族", "1985年6月", "广西南宁", "无党派人士", "大学本科",
        "广西大学 软件工程", "南宁同心科技有限公司 总经理", "高级工程师",
        "13912345678", person.id_number, "兴宁区", "县区联系",
        "2008年至今 南宁同心科技有限公司", "带动就业三百人", "捐资助学",
        "推荐单位：兴宁区委统战部", "同意列为县区联系", "<b>备注</b> & 其他",
        "填报单位：兴宁区",
    ]:  # fmt: skip
        assert expected in text, expected
    assert "{{" not in text
    # Full identifiers were written: a reveal entry and an export entry.
    reveal = AuditEntry.objects.get(action=AuditEntry.Action.REVEAL)
    assert reveal.object_id == str(person.pk) and reveal.changes["context"] == "登记表"
    export = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert export.changes["revealed"] is True and export.user == xingning_user


def test_the_form_is_a4_and_keeps_line_breaks(client_for, city_user, make_person):
    person = full_person(make_person)
    data = get_form(client_for(city_user), person)
    document = Document(io.BytesIO(data))
    section = document.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7
    assert len(document.tables) == 1
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "<w:br/>" in archive.read("word/document.xml").decode()


def test_leader_gets_a_masked_form_and_no_reveal(client_for, leader_user, make_person):
    person = full_person(make_person)
    text = docx_text(get_form(client_for(leader_user), person))
    assert person.id_number not in text and "13912345678" not in text
    assert person.id_number[:6] + "********" + person.id_number[-4:] in text
    assert "139****5678" in text
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL).exists()
    assert AuditEntry.objects.get(action=AuditEntry.Action.EXPORT).changes["revealed"] is False


def test_another_regions_form_is_404(client_for, xingning_user, make_person, regions):
    person = make_person("王五", region=regions["qingxiu"])
    response = client_for(xingning_user).get(reverse("reports:person_form", args=[person.pk]))
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


def test_the_photo_is_on_the_form(client_for, city_user, make_person):
    buffer = io.BytesIO()
    Image.new("RGB", (100, 140), "red").save(buffer, "JPEG")
    photo = SimpleUploadedFile("p.jpg", buffer.getvalue(), content_type="image/jpeg")
    person = make_person("张三", photo=photo)
    data = get_form(client_for(city_user), person)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert any(n.startswith("word/media/") for n in archive.namelist())
    assert "（照片）" not in docx_text(data)


def test_the_detail_page_links_to_the_form_for_leader(client_for, leader_user, make_person):
    person = make_person("张三")
    text = client_for(leader_user).get(reverse("people:detail", args=[person.pk])).content.decode()
    assert "登记表(Word)" in text
    assert reverse("reports:person_form", args=[person.pk]) in text


# --- batch ------------------------------------------------------------------------


def test_a_batch_zip_holds_one_form_per_visible_person(
    client_for, xingning_user, qingxiu_user, make_person, regions
):
    people = [make_person(n) for n in ["甲一", "乙二", "丙三"]]
    make_person("丁四", region=regions["qingxiu"])
    client = client_for(xingning_user)
    page = client.get(reverse("reports:form_batch"))
    assert page.status_code == 200 and 'data-testid="total">3<' in page.content.decode()
    response = client.post(reverse("reports:form_batch"))
    job = ReportJob.objects.get()
    assert response.status_code == 302
    assert job.kind == ReportJob.Kind.FORM_BATCH and job.status == ReportJob.Status.DONE
    download = client.get(reverse("reports:job_download", args=[job.pk]))
    assert download.status_code == 200
    data = b"".join(download.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert len(names) == 3 and all(n.endswith(".docx") for n in names)
        texts = [docx_text(archive.read(n)) for n in names]
    for person in people:
        assert sum(person.name in t for t in texts) == 1
    assert not any("丁四" in t for t in texts)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert entry.object_type == "reports.form_batch" and entry.changes["rows"] == 3
    assert client_for(qingxiu_user).get(reverse("reports:job", args=[job.pk])).status_code == 404


def test_a_batch_over_the_limit_is_refused(client_for, city_user, make_person, settings):
    settings.REPORTS_FORM_BATCH_MAX = 1
    make_person("甲一")
    make_person("乙二")
    client = client_for(city_user)
    assert "一次最多生成1份" in client.get(reverse("reports:form_batch")).content.decode()
    response = client.post(reverse("reports:form_batch"), follow=True)
    assert "请缩小筛选范围" in response.content.decode()
    assert not ReportJob.objects.exists()


def test_leader_can_ask_for_a_batch_but_it_is_masked(client_for, leader_user, make_person):
    person = make_person("甲一", mobile="13912345678")
    client = client_for(leader_user)
    client.post(reverse("reports:form_batch"))
    job = ReportJob.objects.get()
    data = b"".join(client.get(reverse("reports:job_download", args=[job.pk])).streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        text = docx_text(archive.read(archive.namelist()[0]))
    assert person.id_number not in text and "139****5678" in text


# --- the template -------------------------------------------------------------------


def edited_template(replace: str, by: str) -> bytes:
    """The packaged template with one piece of text changed, as an admin would."""
    source = Path(registration.PACKAGED_TEMPLATE).read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.decode().replace(replace, by).encode()
            dst.writestr(item, data)
    return out.getvalue()


def upload(client, data: bytes, name="模板.docx"):
    return client.post(
        reverse("reports:form_template"), {"template": SimpleUploadedFile(name, data)}
    )


def test_an_admin_replaces_the_template(client_for, admin_user, make_person, settings):
    person = make_person("张三")
    client = client_for(admin_user)
    assert "系统自带模板" in client.get(reverse("reports:form_template")).content.decode()
    data = edited_template("附件2", "附件二（本市修订版）")
    response = upload(client, data)
    assert response.status_code == 302
    assert (settings.MEDIA_ROOT / "templates" / "registration_form.docx").read_bytes() == data
    entry = AuditEntry.objects.get(object_type="reports.registration_template")
    assert entry.user == admin_user and entry.changes["bytes"] == len(data)
    assert "附件二（本市修订版）" in docx_text(get_form(client, person))
    assert "管理员上传的模板" in client.get(reverse("reports:form_template")).content.decode()

    # Back to the packaged one; the replacement is kept, dated.
    client.post(reverse("reports:form_template_reset"))
    assert "附件二（本市修订版）" not in docx_text(get_form(client, person))
    kept = list((settings.MEDIA_ROOT / "templates").glob("registration_form.*.docx"))
    assert len(kept) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a zip at all", "不是Word文档"),
        (b"PK\x05\x06" + b"\x00" * 18, "不是Word文档"),
        (None, "模板无法填充示例人员"),
    ],
)
def test_a_broken_template_is_refused(client_for, admin_user, settings, data, message):
    if data is None:
        data = edited_template("{{ name }}", "{{ name | no_such_filter }}")
    response = upload(client_for(admin_user), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not (settings.MEDIA_ROOT / "templates" / "registration_form.docx").exists()
    assert not AuditEntry.objects.filter(object_type="reports.registration_template").exists()


def test_a_template_cannot_reach_into_python(client_for, admin_user, settings):
    data = edited_template("{{ name }}", "{{ name.__class__.__mro__ }}")
    response = upload(client_for(admin_user), data)
    assert response.status_code == 400
    assert not (settings.MEDIA_ROOT / "templates" / "registration_form.docx").exists()


def test_only_system_admins_manage_the_template(client_for, city_user, leader_user):
    for user in (city_user, leader_user):
        client = client_for(user)
        assert client.get(reverse("reports:form_template")).status_code == 404
        assert upload(client, edited_template("附件2", "x")).status_code == 404
        assert client.post(reverse("reports:form_template_reset")).status_code == 404
        assert client.get(reverse("reports:form_template_download")).status_code == 404


def test_the_batch_page_filters_like_the_list(client_for, city_user, make_person, regions):
    make_person("甲一", level="city")
    make_person("乙二", level="reserve")
    make_person("丙三", region=regions["qingxiu"], level="city")
    client = client_for(city_user)
    page = client.get(reverse("reports:form_batch"), {"level": "city"}).content.decode()
    assert 'data-testid="total">2<' in page and 'data-testid="batch-filter"' in page
    client.post(reverse("reports:form_batch") + f"?level=city&region={regions['qingxiu'].pk}")
    job = ReportJob.objects.get()
    assert job.total == 1 and job.params["region"] == str(regions["qingxiu"].pk)
