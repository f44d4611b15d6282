"""Staff pages: issuing links (only for persons they may write), letters whose
QR codes decode to the links, revoking, and deciding submitted fields."""

import datetime
import io
import zipfile

import pytest
import zxingcpp
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tongxin.audit.models import AuditEntry
from tongxin.core import hooks
from tongxin.core.inbox import InboxItem
from tongxin.people.models import Person
from tongxin.portal import services
from tongxin.portal.models import ChangeItem, ChangeRequest, PersonalLink, token_hash

from .conftest import confirm

pytestmark = pytest.mark.django_db


def _png(color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 80), color).save(out, format="PNG")
    return out.getvalue()


def _qr_texts(docx: bytes) -> list[str]:
    """Every QR code in the document, decoded, in the order of the pages."""
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        document = archive.read("word/document.xml").decode()
        rels = archive.read("word/_rels/document.xml.rels").decode()
        import re

        targets = dict(re.findall(r'Id="(rId\d+)"[^>]*Target="(media/[^"]+)"', rels))
        targets.update(
            {k: v for v, k in re.findall(r'Target="(media/[^"]+)"[^>]*Id="(rId\d+)"', rels)}
        )
        texts = []
        for rid in re.findall(r'r:embed="(rId\d+)"', document):
            image = Image.open(io.BytesIO(archive.read("word/" + targets[rid])))
            (result,) = zxingcpp.read_barcodes(image)
            texts.append(result.text)
        return texts


def test_it_issues_one_link_and_shows_it_once_with_qr_and_message(
    client_for, make_person, xingning_user
):
    person = make_person("陈晓梅")
    client = client_for(xingning_user)
    page = client.get(reverse("portal:link_issue") + f"?person={person.pk}")
    assert page.status_code == 200
    response = client.post(
        reverse("portal:link_issue"), {"person": person.pk, "valid_days": 30, "purpose": "年度更新"}
    )
    assert response.status_code == 200
    link = PersonalLink.objects.get()
    token = response.context["token"]
    assert link.token_hash == token_hash(token) and link.created_by == xingning_user
    text = response.content.decode()
    assert f"http://testserver/p/l/{token}/" in text
    assert "陈晓梅您好" in text and "data:image/svg+xml" in text
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.CREATE, object_type="portal.personallink", user=xingning_user
    ).exists()

    letter = client.post(reverse("portal:link_letter"), {"token": token})
    assert letter.status_code == 200
    assert _qr_texts(letter.content) == [f"http://testserver/p/l/{token}/"]
    assert client.post(reverse("portal:link_letter"), {"token": "nope"}).status_code == 404


def test_only_persons_the_user_may_write_get_links(
    client_for, make_person, qingxiu_user, leader_user, regions
):
    person = make_person("陈晓梅", region=regions["xingning"])
    client = client_for(qingxiu_user)
    assert client.get(reverse("portal:link_issue") + f"?person={person.pk}").status_code == 404
    data = {"person": person.pk, "valid_days": 30}
    assert client.post(reverse("portal:link_issue"), data).status_code == 404
    client = client_for(leader_user)  # reads the city, changes nothing
    assert client.post(reverse("portal:link_issue"), data).status_code == 404
    with pytest.raises(services.PortalError):
        services.links_issue(actor=qingxiu_user, persons=[person], valid_days=30)
    assert PersonalLink.objects.count() == 0


def test_a_batch_makes_one_letter_per_person_each_qr_opening_its_own_link(
    client_for, make_person, xingning_user, regions, client
):
    persons = [make_person(n) for n in ("陈晓梅", "黄志强", "李娜")]
    make_person("青秀人", region=regions["qingxiu"])  # not the user's to write
    staff = client_for(xingning_user)
    preview = staff.get(reverse("portal:link_batch"), {"valid_days": 30, "only_unreviewed": "on"})
    assert preview.context["count"] == 3
    response = staff.post(
        reverse("portal:link_batch"), {"valid_days": 30, "purpose": "", "only_unreviewed": "True"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    urls = _qr_texts(response.content)
    assert len(urls) == 3
    links = {link.token_hash: link for link in PersonalLink.objects.all()}
    assert {link.person.name for link in links.values()} == {"陈晓梅", "黄志强", "李娜"}
    staff.logout()
    by_name = {p.name: p for p in persons}
    for url in urls:
        token = url.rstrip("/").rsplit("/", 1)[1]
        link = links[token_hash(token)]
        person = by_name[link.person.name]
        assert url.startswith("http://testserver/p/l/")
        assert confirm(client, person, token).status_code == 302
        assert person.name in client.get(reverse("me:home")).content.decode()


def test_revoking_a_link(client_for, make_person, xingning_user, qingxiu_user, issue):
    person = make_person("陈晓梅")
    link, _token = issue(person)
    assert (
        client_for(qingxiu_user).post(reverse("portal:link_revoke", args=[link.pk])).status_code
        == 404
    )
    response = client_for(xingning_user).post(reverse("portal:link_revoke", args=[link.pk]))
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_by == xingning_user and link.state_label == "已撤销"


@pytest.fixture
def submitted(client, make_person, signed_in):
    """陈晓梅 proposed a new work unit and a new photo."""
    person = make_person("陈晓梅", employer="旧单位")
    link = signed_in(person)
    services.change_request_submit(
        link=link,
        data={"employer": "新单位有限公司", "job_title": "总经理"},
        photo=SimpleUploadedFile("me.png", _png(), "image/png"),
    )
    client.cookies.clear()
    return ChangeRequest.objects.get()


def test_staff_approve_one_field_and_reject_another_with_a_reason(
    client_for, submitted, xingning_user
):
    person = submitted.person
    items = {i.field: i for i in submitted.items.all()}
    assert set(items) == {"employer", "job_title", "photo"}
    client = client_for(xingning_user)
    page = client.get(reverse("portal:change_detail", args=[submitted.pk]))
    assert "新单位有限公司" in page.content.decode() and "旧单位" in page.content.decode()
    photo = client.get(reverse("portal:change_photo", args=[submitted.pk, items["photo"].pk]))
    assert photo.status_code == 200

    refused = client.post(
        reverse("portal:change_detail", args=[submitted.pk]),
        {f"decision-{items['job_title'].pk}": "rejected"},
    )
    assert "请填写“职务”不予采纳的理由" in refused.content.decode()
    person.refresh_from_db()
    assert person.employer == "旧单位"

    response = client.post(
        reverse("portal:change_detail", args=[submitted.pk]),
        {
            f"decision-{items['employer'].pk}": "approved",
            f"decision-{items['photo'].pk}": "approved",
            f"decision-{items['job_title'].pk}": "rejected",
            f"reason-{items['job_title'].pk}": "职务以单位任命文件为准",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.employer == "新单位有限公司" and person.job_title == ""
    assert person.photo.name == ChangeItem.objects.get(field="photo").new_photo.name
    submitted.refresh_from_db()
    assert submitted.status == ChangeRequest.Status.DONE
    decided = {i.field: (i.decision, i.reason, i.decided_by) for i in submitted.items.all()}
    assert decided["job_title"] == ("rejected", "职务以单位任命文件为准", xingning_user)
    latest = person.history.latest("history_id")
    assert latest.history_user == xingning_user
    assert "本人申请更新" in latest.history_change_reason
    assert "xingning审核采纳" in latest.history_change_reason
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.UPDATE, object_type="people.person", user=xingning_user
    ).exists()


def test_other_regions_staff_and_leaders_cannot_decide(
    client_for, submitted, qingxiu_user, leader_user
):
    item = submitted.items.first()
    data = {f"decision-{item.pk}": "approved"}
    url = reverse("portal:change_detail", args=[submitted.pk])
    assert client_for(qingxiu_user).get(url).status_code == 404
    assert client_for(qingxiu_user).post(url, data).status_code == 404
    assert client_for(leader_user).get(url).status_code == 200
    assert client_for(leader_user).post(url, data).status_code == 404
    item.refresh_from_db()
    assert item.decision == ChangeItem.Decision.PENDING


def test_pending_submissions_reach_the_inbox_of_the_persons_node(
    submitted, xingning_user, qingxiu_user, leader_user
):
    items = [i for i in hooks.collect("inbox_items", xingning_user) if i.kind == "信息更新"]
    assert items == [
        InboxItem(
            kind="信息更新",
            title="陈晓梅：信息更新",
            url=reverse("portal:change_detail", args=[submitted.pk]),
            created_at=submitted.submitted_at,
            state_label="待审核",
            awaiting_me=True,
        )
    ]
    assert not [i for i in hooks.collect("inbox_items", qingxiu_user) if i.kind == "信息更新"]
    assert not [i for i in hooks.collect("inbox_items", leader_user) if i.kind == "信息更新"]


def test_the_person_sees_both_outcomes(client, client_for, submitted, xingning_user, issue):
    items = {i.field: i for i in submitted.items.all()}
    services.change_request_decide(
        actor=xingning_user,
        change_request=submitted,
        decisions={
            items["employer"].pk: ("approved", ""),
            items["job_title"].pk: ("rejected", "以任命文件为准"),
        },
    )
    person = Person.objects.get(pk=submitted.person_id)
    _link, token = issue(person)
    confirm(client, person, token)
    home = client.get(reverse("me:home")).content.decode()
    assert "已采纳" in home and "未采纳" in home and "以任命文件为准" in home
    assert "待审核" in home  # the photo is still to be decided


def test_an_unchanged_confirmation_is_acknowledged(
    client_for, make_person, signed_in, client, xingning_user
):
    person = make_person("陈晓梅")
    signed_in(person)
    client.post(reverse("me:unchanged"))
    change = ChangeRequest.objects.get()
    staff = client_for(xingning_user)
    assert staff.post(reverse("portal:change_detail", args=[change.pk])).status_code == 302
    change.refresh_from_db()
    assert change.status == ChangeRequest.Status.DONE and change.acknowledged_by == xingning_user
    page = staff.get(reverse("people:detail", args=[person.pk])).content.decode()
    assert "信息无变化" in page


def test_staff_download_an_attachment_only_in_scope(
    client_for, make_person, signed_in, client, xingning_user, qingxiu_user
):
    from tongxin.service.models import RequestCategory

    person = make_person("陈晓梅")
    signed_in(person)
    client.post(
        reverse("me:request_new"),
        {
            "category": RequestCategory.objects.first().pk,
            "content": "诉求",
            "attachments": [SimpleUploadedFile("材料.pdf", b"%PDF-1.4", "application/pdf")],
        },
    )
    from tongxin.portal.models import SubmissionAttachment

    attachment = SubmissionAttachment.objects.get()
    url = reverse("portal:attachment", args=[attachment.pk])
    assert client_for(qingxiu_user).get(url).status_code == 404
    staff = client_for(xingning_user)
    response = staff.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4"
    detail = staff.get(
        reverse("service:request_detail", args=[attachment.service_request_id])
    ).content.decode()
    assert "本人在线提交" in detail and "材料.pdf" in detail


def test_erasing_a_person_takes_their_links_submissions_and_files(
    client, submitted, admin_user, signed_in, django_capture_on_commit_callbacks
):
    from tongxin.privacy.services import person_erase
    from tongxin.service.models import RequestCategory

    person = submitted.person
    link = signed_in(person)
    services.request_submit(
        link=link,
        category=RequestCategory.objects.first(),
        content="诉求",
        files=[SimpleUploadedFile("材料.pdf", b"%PDF-1.4", "application/pdf")],
    )
    photo_path = ChangeItem.objects.get(field="photo").new_photo.path
    with django_capture_on_commit_callbacks(execute=True):
        person_erase(
            actor=admin_user,
            person=person,
            details={
                "requester": "陈晓梅",
                "received_on": datetime.date(2026, 11, 1),
                "reference": "书面申请",
            },
        )
    assert not Person.objects.filter(pk=person.pk).exists()
    assert not PersonalLink.objects.exists() and not ChangeRequest.objects.exists()
    assert not ChangeItem.objects.exists()
    from tongxin.portal.models import SubmissionAttachment

    assert not SubmissionAttachment.objects.exists()
    import os

    assert not os.path.exists(photo_path)


def test_a_rejected_photo_is_not_kept(submitted, xingning_user, django_capture_on_commit_callbacks):
    item = submitted.items.get(field="photo")
    path = item.new_photo.path
    with django_capture_on_commit_callbacks(execute=True):
        services.change_request_decide(
            actor=xingning_user,
            change_request=submitted,
            decisions={item.pk: ("rejected", "须为白底证件照")},
        )
    item.refresh_from_db()
    assert item.decision == ChangeItem.Decision.REJECTED and not item.new_photo
    import os

    assert not os.path.exists(path)
    assert not Person.objects.get(pk=submitted.person_id).photo


def test_archived_persons_get_no_link(client_for, make_person, xingning_user):
    from tongxin.people.services import person_archive

    person = make_person("陈晓梅")
    person_archive(
        actor=xingning_user, person=person, reason="moved_away", on_date=datetime.date(2026, 1, 5)
    )
    response = client_for(xingning_user).post(
        reverse("portal:link_issue"), {"person": person.pk, "valid_days": 30}
    )
    assert "已出库人员不能发放个人链接：陈晓梅" in response.content.decode()
    assert PersonalLink.objects.count() == 0
