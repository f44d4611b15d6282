"""Withdrawing a person added by mistake from an activity, a training, a cluster or
an organisation (撤回): confirmed by POST, recorded in history and the audit log,
gone from the list and the person's timeline."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.engagement import services
from tongxin.engagement.models import (
    ActivityParticipant,
    ClusterMembership,
    OrganisationMember,
    TrainingParticipant,
)
from tongxin.engagement.tests.factories import make_record

pytestmark = pytest.mark.django_db

# slug → (row model, the timeline's kind, what the detail page calls the row)
TARGETS = {
    "activities": (ActivityParticipant, "activity", "参加人员"),
    "trainings": (TrainingParticipant, "training", "参训人员"),
    "clusters": (ClusterMembership, "cluster", "人员"),
    "organisations": (OrganisationMember, "organisation", "成员"),
}


@pytest.fixture
def enrol(xingning_user, regions):
    """enrol(slug, person) → (target record of 兴宁区, the person's row in it)."""

    def make(slug, person, *, region=None, **fields):
        target = make_record(slug, actor=xingning_user, region=region or regions["xingning"])
        if slug == "organisations":
            fields.setdefault("role", OrganisationMember.Role.DIRECTOR)
        row = services.person_add(actor=xingning_user, target=target, person=person, **fields)
        return target, row

    return make


def _url(slug, target, row) -> str:
    return reverse(f"engagement:{slug}_withdraw", args=[target.pk, row.pk])


def _timeline(client, person, kind) -> str:
    url = reverse("engagement:person_timeline", args=[person.pk])
    return client.get(url, {"kind": kind}, HTTP_HX_REQUEST="true").content.decode()


@pytest.mark.parametrize("slug", list(TARGETS))
def test_it_withdraws_a_person_after_confirmation(
    client_for, xingning_user, regions, make_person, enrol, slug
):
    row_model, timeline_kind, row_label = TARGETS[slug]
    person = make_person("张三", region=regions["xingning"])
    target, row = enrol(slug, person)
    client = client_for(xingning_user)
    detail = reverse(f"engagement:{slug}_detail", args=[target.pk])
    assert _url(slug, target, row) in client.get(detail).content.decode()
    assert f'data-kind="{timeline_kind}"' in _timeline(client, person, timeline_kind)

    confirm = client.get(_url(slug, target, row))

    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert f"撤回{row_label}" in page
    assert "确认将 <strong>张三</strong>（兴宁区）从" in page
    assert "确认撤回" in page
    assert row_model.objects.filter(pk=row.pk).exists()  # a GET changes nothing
    assert not AuditEntry.objects.filter(action="delete").exists()

    response = client.post(_url(slug, target, row), {"reason": "误加入"})

    assert response.status_code == 302
    assert response["Location"] == detail
    assert not row_model.objects.filter(pk=row.pk).exists()
    gone = row_model.history.get(id=row.pk, history_type="-")
    assert gone.person_id == person.pk
    assert gone.history_user_id == xingning_user.pk
    assert gone.history_change_reason == "撤回：误加入"
    entry = AuditEntry.objects.get(action="delete")
    assert entry.object_type == f"engagement.{type(target).__name__.lower()}"
    assert entry.object_id == str(target.pk)
    assert entry.user_id == xingning_user.pk
    assert entry.changes["person_withdrawn"] == "张三"
    assert entry.changes["reason"] == "误加入"
    page = client.get(detail).content.decode()
    assert f"已将张三从{target}的名单中撤回" in page
    history = page.split('data-testid="history"')[1]
    assert "撤回：误加入" in history
    assert f"{row_label}</span>：张三 → 已撤回" in history
    assert f'data-kind="{timeline_kind}"' not in _timeline(client, person, timeline_kind)


def test_it_keeps_the_recorded_attendance_of_a_withdrawn_participant(
    client_for, xingning_user, regions, make_person, enrol
):
    person = make_person("张三", region=regions["xingning"])
    activity, row = enrol("activities", person, role="speaker", attendance="attended")
    client = client_for(xingning_user)

    confirm = client.get(_url("activities", activity, row)).content.decode()
    assert "该人员已登记“出席”" in confirm
    response = client.post(_url("activities", activity, row), {"reason": ""})

    assert response.status_code == 302
    assert not ActivityParticipant.objects.exists()
    gone = ActivityParticipant.history.get(history_type="-")
    assert (gone.role, gone.attendance) == ("speaker", "attended")
    assert gone.history_change_reason == "撤回"
    entry = AuditEntry.objects.get(action="delete")
    assert entry.changes == {"person_withdrawn": "张三", "role": "主讲", "attendance": "出席"}


def test_a_withdrawn_person_can_be_added_again(client_for, xingning_user, regions, make_person,
                                               enrol):  # fmt: skip
    person = make_person("张三", region=regions["xingning"])
    training, row = enrol("trainings", person)
    client_for(xingning_user).post(_url("trainings", training, row))

    services.person_add(actor=xingning_user, target=training, person=person)

    assert TrainingParticipant.objects.filter(training=training, person=person).count() == 1


@pytest.mark.parametrize("slug", list(TARGETS))
def test_another_regions_user_and_the_leader_get_404(
    client_for, qingxiu_user, leader_user, regions, make_person, enrol, slug
):
    row_model = TARGETS[slug][0]
    person = make_person("张三", region=regions["xingning"])
    target, row = enrol(slug, person)
    url = _url(slug, target, row)

    for user in (qingxiu_user, leader_user):
        client = client_for(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "误加入"}).status_code == 404

    assert row_model.objects.filter(pk=row.pk).exists()
    assert not AuditEntry.objects.filter(action="delete").exists()
    page = client_for(leader_user).get(reverse(f"engagement:{slug}_detail", args=[target.pk]))
    assert page.status_code == 200
    assert url not in page.content.decode()


def test_county_staff_cannot_withdraw_another_regions_person(
    client_for, xingning_user, city_user, regions, make_person
):
    """A city user may put a 青秀区 person into a 兴宁区 activity; 兴宁区 staff do not
    see that person, so they cannot take them out either."""
    other = make_person("王五", region=regions["qingxiu"])
    activity = make_record("activities", actor=city_user, region=regions["xingning"])
    row = services.person_add(actor=city_user, target=activity, person=other)

    response = client_for(xingning_user).post(_url("activities", activity, row))

    assert response.status_code == 404
    assert ActivityParticipant.objects.filter(pk=row.pk).exists()


def test_it_answers_404_for_a_row_of_another_record(
    client_for, xingning_user, regions, make_person, enrol
):
    person = make_person("张三", region=regions["xingning"])
    first, row = enrol("clusters", person)
    second = make_record("clusters", actor=xingning_user, region=regions["xingning"])

    response = client_for(xingning_user).post(_url("clusters", second, row))

    assert response.status_code == 404
    assert ClusterMembership.objects.filter(pk=row.pk).exists()


def test_it_refuses_withdrawing_from_a_cancelled_record(
    client_for, xingning_user, regions, make_person, enrol
):
    person = make_person("张三", region=regions["xingning"])
    activity, row = enrol("activities", person)
    services.record_cancel(actor=xingning_user, record=activity)

    response = client_for(xingning_user).post(_url("activities", activity, row))

    assert response.status_code == 404
    assert ActivityParticipant.objects.filter(pk=row.pk).exists()
    with pytest.raises(ValidationError, match="已撤销的记录不能撤回人员"):
        services.person_withdraw(actor=xingning_user, row=row)


def test_it_refuses_an_overlong_reason_and_changes_nothing(
    client_for, xingning_user, regions, make_person, enrol
):
    person = make_person("张三", region=regions["xingning"])
    organisation, row = enrol("organisations", person)

    response = client_for(xingning_user).post(
        _url("organisations", organisation, row), {"reason": "很" * 201}
    )

    assert response.status_code == 200
    assert "撤回原因" in response.content.decode()
    assert response.context["form"].errors["reason"]
    assert OrganisationMember.objects.filter(pk=row.pk).exists()
    assert not AuditEntry.objects.filter(action="delete").exists()


def test_withdrawing_twice_changes_nothing_the_second_time(
    client_for, xingning_user, regions, make_person, enrol
):
    person = make_person("张三", region=regions["xingning"])
    cluster, row = enrol("clusters", person)
    client = client_for(xingning_user)
    assert client.post(_url("clusters", cluster, row)).status_code == 302

    assert client.post(_url("clusters", cluster, row)).status_code == 404
    with pytest.raises(ValidationError, match="该人员已不在名单中"):
        services.person_withdraw(actor=xingning_user, row=row)
    assert AuditEntry.objects.filter(action="delete").count() == 1
    assert ClusterMembership.history.filter(history_type="-").count() == 1
