"""Activity participants (bulk add, inline role/attendance), training and cluster
members, organisation members, attachments."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.engagement.models import (
    ActivityAttachment,
    ActivityParticipant,
    ClusterMembership,
    OrganisationMember,
    TrainingParticipant,
)
from tongxin.engagement.tests.factories import make_record
from tongxin.people.models import Person
from tongxin.people.search import derived_fields
from tongxin.people.services import persons_bulk_insert

pytestmark = pytest.mark.django_db


def _many_persons(template: Person, count: int, *, region) -> None:
    """`count` more persons like `template` in `region`, inserted in bulk."""
    persons = []
    for i in range(count):
        name = f"批量{i:03d}"
        id_number = f"{region.code}19800101{i:04d}"
        person = Person(
            name=name, sex="M", ethnicity_id=template.ethnicity_id,
            birth_date=datetime.date(1980, 1, 1), id_number=id_number,
            political_status_id=template.political_status_id, group_id=template.group_id,
            region=region, level=Person.Level.RESERVE,
        )  # fmt: skip
        for field, value in derived_fields(name=name, id_number=id_number).items():
            setattr(person, field, value)
        persons.append(person)
    persons_bulk_insert(persons, reason="测试数据")


@pytest.fixture
def activity(regions, xingning_user):
    return make_record("activities", actor=xingning_user, region=regions["xingning"])


def _add_url(slug, pk):
    return reverse(f"engagement:{slug}_add_persons", args=[pk])


def test_it_bulk_adds_500_participants_in_one_action_within_a_query_budget(
    client_for, xingning_user, regions, make_person, activity, django_assert_max_num_queries
):
    template = make_person("张三", region=regions["xingning"], level=Person.Level.CITY)
    _many_persons(template, 500, region=regions["xingning"])
    _many_persons(template, 5, region=regions["qingxiu"])  # not visible to xingning staff
    client = client_for(xingning_user)
    # the same query string as the person list: 500 reserve persons of 兴宁区
    query = {"level": "reserve", "status": "active"}
    page = client.get(_add_url("activities", activity.pk), query)
    assert page.status_code == 200
    assert 'data-testid="match-count">500<' in page.content.decode()
    # + 1: the ids of the county user's subtree (regions.scope)
    with django_assert_max_num_queries(22):
        response = client.post(_add_url("activities", activity.pk), query | {"confirm": "500"})
    assert response.status_code == 302
    assert ActivityParticipant.objects.filter(activity=activity).count() == 500
    assert not ActivityParticipant.objects.filter(person__region=regions["qingxiu"]).exists()
    assert ActivityParticipant.history.count() == 500
    entry = AuditEntry.objects.get(action="bulk_create", object_id=str(activity.pk))
    assert entry.changes == {"persons_added": 500, "already_in": 0}
    # again, plus 张三: only the one who is not in yet is added
    client.post(_add_url("activities", activity.pk), {"status": "active", "confirm": "501"})
    assert ActivityParticipant.objects.filter(activity=activity).count() == 501
    detail = client.get(response.url).content.decode()
    assert 'data-testid="participant-total">501<' in detail


def test_bulk_add_uses_the_person_list_filter(client_for, xingning_user, regions, make_person,
                                              activity):  # fmt: skip
    make_person("张三", region=regions["xingning"], level=Person.Level.CITY)
    make_person("李四", region=regions["xingning"], level=Person.Level.RESERVE)
    client = client_for(xingning_user)
    response = client.post(_add_url("activities", activity.pk), {"q": "张三"})
    assert response.status_code == 302
    assert list(activity.participants.values_list("person__name", flat=True)) == ["张三"]
    messages = client.get(response.url).content.decode()
    assert "已添加 1 人" in messages


@pytest.mark.parametrize("slug", ["activities", "trainings", "clusters"])
def test_bulk_add_is_refused_for_other_regions_and_leader(
    slug, client_for, qingxiu_user, leader_user, regions, make_person, xingning_user
):
    make_person("张三", region=regions["xingning"])
    target = make_record(slug, actor=xingning_user, region=regions["xingning"])
    for user in (qingxiu_user, leader_user):
        client = client_for(user)
        assert client.get(_add_url(slug, target.pk)).status_code == 404
        assert client.post(_add_url(slug, target.pk), {}).status_code == 404
    assert not ActivityParticipant.objects.exists()
    assert not TrainingParticipant.objects.exists()
    assert not ClusterMembership.objects.exists()


@pytest.mark.parametrize(
    ("slug", "row_model", "text"),
    [("trainings", TrainingParticipant, 'data-testid="participant-total">2<'),
     ("clusters", ClusterMembership, 'data-testid="member-count">2<')],
)  # fmt: skip
def test_it_bulk_adds_training_and_cluster_members(
    slug, row_model, text, client_for, xingning_user, regions, make_person
):
    make_person("张三", region=regions["xingning"])
    make_person("李四", region=regions["xingning"])
    target = make_record(slug, actor=xingning_user, region=regions["xingning"])
    client = client_for(xingning_user)
    response = client.post(_add_url(slug, target.pk), {"status": "active"})
    assert response.status_code == 302
    assert row_model.objects.count() == 2
    assert text in client.get(response.url).content.decode()


def test_it_marks_role_and_attendance_inline(client_for, xingning_user, regions, make_person,
                                            activity):  # fmt: skip
    person = make_person("张三", region=regions["xingning"])
    client = client_for(xingning_user)
    client.post(_add_url("activities", activity.pk), {"q": "张三"})
    participant = ActivityParticipant.objects.get()
    url = reverse("engagement:participant_update", args=[activity.pk, participant.pk])
    response = client.post(
        url, {"role": "speaker", "attendance": "attended"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "已保存" in response.content.decode()
    participant.refresh_from_db()
    assert (participant.role, participant.attendance) == ("speaker", "attended")
    assert participant.history.first().history_change_reason == "修改参加情况"
    entry = AuditEntry.objects.filter(object_id=str(activity.pk), action="update").latest("id")
    assert entry.changes["attendance"] == ["报名", "出席"]
    assert entry.changes["person"] == person.name
    bad = client.post(url, {"attendance": "maybe"})
    assert bad.status_code == 400
    assert "无效" in bad.content.decode()


def test_participant_update_refused_for_other_region_and_leader(
    client_for, xingning_user, qingxiu_user, leader_user, regions, make_person, activity
):
    make_person("张三", region=regions["xingning"])
    client_for(xingning_user).post(_add_url("activities", activity.pk), {"q": "张三"})
    participant = ActivityParticipant.objects.get()
    url = reverse("engagement:participant_update", args=[activity.pk, participant.pk])
    for user in (qingxiu_user, leader_user):
        assert client_for(user).post(url, {"attendance": "absent"}).status_code == 404
    participant.refresh_from_db()
    assert participant.attendance == "registered"


# --- attachments ----------------------------------------------------------------------------


def test_it_uploads_and_serves_an_attachment(client_for, xingning_user, qingxiu_user, activity):
    client = client_for(xingning_user)
    upload = SimpleUploadedFile("方案.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = client.post(reverse("engagement:attachment_upload", args=[activity.pk]),
                           {"file": upload})  # fmt: skip
    assert response.status_code == 302
    attachment = ActivityAttachment.objects.get()
    assert attachment.name == "方案.pdf" and attachment.size == 13
    assert "方案.pdf" in client.get(response.url).content.decode()
    url = reverse("engagement:attachment_download", args=[activity.pk, attachment.pk])
    download = client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 test"
    assert client_for(qingxiu_user).get(url).status_code == 404
    # removing hides it; the row stays
    client = client_for(xingning_user)
    remove = reverse("engagement:attachment_remove", args=[activity.pk, attachment.pk])
    assert client.post(remove).status_code == 302
    attachment.refresh_from_db()
    assert attachment.status == "cancelled"
    assert client.get(url).status_code == 404


def test_it_refuses_bad_attachments(client_for, xingning_user, leader_user, activity, settings):
    client = client_for(xingning_user)
    url = reverse("engagement:attachment_upload", args=[activity.pk])
    response = client.post(url, {"file": SimpleUploadedFile("run.exe", b"MZ")}, follow=True)
    assert "不支持的文件类型“.exe”" in response.content.decode()
    from tongxin.engagement import services

    big = SimpleUploadedFile("big.pdf", b"x" * (services.ATTACHMENT_MAX_BYTES + 1))
    response = client.post(url, {"file": big}, follow=True)
    assert "文件过大" in response.content.decode()
    leader = client_for(leader_user)
    assert leader.post(url, {"file": SimpleUploadedFile("a.pdf", b"x")}).status_code == 404
    assert not ActivityAttachment.objects.exists()


# --- organisation members ------------------------------------------------------------------


def test_it_adds_and_ends_organisation_members(client_for, xingning_user, regions, make_person):
    person = make_person("张三", region=regions["xingning"])
    association = make_record("organisations", actor=xingning_user, region=regions["xingning"])
    client = client_for(xingning_user)
    url = reverse("engagement:member_add", args=[association.pk])
    picker = client.get(url, {"q": "张三"}).content.decode()
    assert "张三" in picker
    response = client.post(url, {"person": person.pk, "role": "president",
                                 "start_date": "2025-01-01"})  # fmt: skip
    assert response.status_code == 302
    member = OrganisationMember.objects.get()
    assert member.role == "president"
    again = client.post(url, {"person": person.pk, "role": "member"}, follow=True)
    assert "张三 已在名单中" in again.content.decode()
    assert OrganisationMember.objects.count() == 1
    page = client.get(reverse("engagement:organisations_detail", args=[association.pk]))
    assert "会长" in page.content.decode()
    end = reverse("engagement:member_end", args=[association.pk, member.pk])
    assert client.post(end, {"end_date": "2026-01-01"}).status_code == 302
    member.refresh_from_db()
    assert member.end_date == datetime.date(2026, 1, 1) and member.status == "cancelled"


def test_member_add_refuses_other_regions_persons_and_users(
    client_for, xingning_user, qingxiu_user, leader_user, regions, make_person
):
    other = make_person("王五", region=regions["qingxiu"])
    association = make_record("organisations", actor=xingning_user, region=regions["xingning"])
    url = reverse("engagement:member_add", args=[association.pk])
    client = client_for(xingning_user)
    assert client.post(url, {"person": other.pk, "role": "member"}).status_code == 404
    for user in (qingxiu_user, leader_user):
        assert client_for(user).get(url).status_code == 404
    assert not OrganisationMember.objects.exists()


def test_organisation_page_lists_members_activities_cluster_and_branches(
    client_for, city_user, regions, make_person
):
    cluster = make_record("clusters", actor=city_user, region=regions["xingning"])
    association = make_record("organisations", actor=city_user, region=regions["xingning"],
                              cluster=cluster)  # fmt: skip
    branch = make_record("organisations", actor=city_user, region=regions["xingning"],
                         kind="branch", name="自由职业者分会", parent=association)  # fmt: skip
    make_record("activities", actor=city_user, region=regions["xingning"],
                organisation=association, title="联谊会年会")  # fmt: skip
    client = client_for(city_user)
    text = client.get(reverse("engagement:organisations_detail", args=[association.pk]))
    text = text.content.decode()
    assert "三街两巷文创区" in text and "自由职业者分会" in text and "联谊会年会" in text
    page = client.get(reverse("engagement:organisations_detail", args=[branch.pk]))
    assert "兴宁区新联会" in page.content.decode()
    clusters = client.get(reverse("engagement:clusters_list")).content.decode()
    assert "三街两巷文创区" in clusters
    # cycles in the tree are refused
    response = client.post(
        reverse("engagement:organisations_edit", args=[association.pk]),
        {"kind": "association", "name": "兴宁区新联会", "region": regions["xingning"].pk,
         "parent": branch.pk, "version": association.version},
    )  # fmt: skip
    assert "上级组织不能是本组织或其下级组织" in response.content.decode()


def test_cluster_list_counts_persons_and_organisations(
    client_for, city_user, regions, make_person, django_assert_max_num_queries
):
    make_person("张三", region=regions["xingning"])
    make_person("李四", region=regions["xingning"])
    cluster = make_record("clusters", actor=city_user, region=regions["xingning"])
    make_record("organisations", actor=city_user, region=regions["xingning"], cluster=cluster)
    client = client_for(city_user)
    client.post(_add_url("clusters", cluster.pk), {"status": "active"})
    with django_assert_max_num_queries(10):
        text = client.get(reverse("engagement:clusters_list")).content.decode()
    row = text.split("三街两巷文创区")[1].split("</tr>")[0]
    assert "<td>2</td>" in row and "<td>1</td>" in row


def test_bulk_add_refuses_more_than_the_limit(client_for, xingning_user, regions, make_person,
                                              activity, monkeypatch):  # fmt: skip
    from tongxin.engagement.services import participants

    monkeypatch.setattr(participants, "BULK_ADD_MAX", 1)
    make_person("张三", region=regions["xingning"])
    make_person("李四", region=regions["xingning"])
    response = client_for(xingning_user).post(_add_url("activities", activity.pk), {})
    assert response.status_code == 200
    assert "一次最多添加 1 人" in response.content.decode()
    assert not ActivityParticipant.objects.exists()
