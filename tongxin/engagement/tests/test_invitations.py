"""Staff invite persons to an activity or a training and read the answers."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.engagement import invitations, services
from tongxin.engagement.models import Activity, ActivityType, Invitation, Training

pytestmark = pytest.mark.django_db


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def activity(regions):
    def make(region=None, *, start=14, title="同心助企座谈会"):
        return services.record_create(
            actor=None,
            model=Activity,
            data={
                "type": ActivityType.objects.get(name="主题教育"),
                "title": title,
                "start_date": _days(start),
                "place": "统战部会议室",
                "region": region or regions["xingning"],
            },
        )

    return make


def test_it_invites_the_persons_of_a_filter_and_shows_them_on_the_activity(
    client_for, xingning_user, make_person, activity
):
    person = make_person("陈晓梅")
    make_person("李建国")
    target = activity()
    client = client_for(xingning_user)
    url = reverse("engagement:activities_invite", args=[target.pk])
    page = client.get(url, {"q": "陈晓梅"})
    assert page.status_code == 200 and "陈晓梅" in page.content.decode()
    assert Invitation.objects.count() == 0  # GET writes nothing
    response = client.post(
        url, {"q": "陈晓梅", "respond_by": _days(7).isoformat(), "note": "请提前十分钟到场"}
    )
    assert response.status_code == 302
    (row,) = Invitation.objects.all()
    assert (row.person, row.activity, row.answer) == (person, target, "pending")
    assert row.respond_by == _days(7) and row.invited_by == xingning_user
    entry = AuditEntry.objects.filter(
        object_type="engagement.activity", object_id=str(target.pk), action="update"
    ).latest("id")
    assert entry.changes["persons_invited"] == 1 and entry.user == xingning_user
    detail = client.get(reverse("engagement:activities_detail", args=[target.pk])).content.decode()
    assert "已邀请 <strong>1</strong> 人" in detail and "待答复" in detail
    # Inviting again skips whoever is invited already.
    client.post(url, {"q": "陈晓梅", "respond_by": _days(7).isoformat()})
    assert Invitation.objects.count() == 1


def test_a_deadline_after_the_start_is_refused_naming_the_field(
    client_for, xingning_user, make_person, activity
):
    make_person("陈晓梅")
    target = activity(start=5)
    response = client_for(xingning_user).post(
        reverse("engagement:activities_invite", args=[target.pk]),
        {"q": "陈晓梅", "respond_by": _days(6).isoformat()},
    )
    assert response.status_code == 200
    assert "答复截止日期不能晚于开始日期" in response.content.decode()
    assert not Invitation.objects.exists()


def test_another_regions_staff_and_leaders_cannot_invite(
    client_for, qingxiu_user, leader_user, activity
):
    target = activity()
    url = reverse("engagement:activities_invite", args=[target.pk])
    assert client_for(qingxiu_user).get(url).status_code == 404
    assert client_for(leader_user).get(url).status_code == 404


def test_only_persons_the_actor_may_change_are_invited(
    xingning_user, make_person, regions, activity
):
    from tongxin.people.models import Person

    make_person("陈晓梅")
    make_person("王青秀", region=regions["qingxiu"])
    target = activity(regions["city"])
    invited, _ = invitations.invitations_send(
        actor=xingning_user, target=target, persons=Person.objects.all(), respond_by=_days(3)
    )
    assert invited == 1
    assert list(Invitation.objects.values_list("person__name", flat=True)) == ["陈晓梅"]


def test_persons_outside_the_scope_are_counted_never_named(
    client_for, city_user, xingning_user, make_person, regions, activity
):
    from tongxin.people.models import Person

    make_person("陈晓梅")
    make_person("王青秀", region=regions["qingxiu"])
    # A 兴宁区 activity the city's staff invited people of two districts to.
    target = activity(regions["xingning"])
    invitations.invitations_send(
        actor=city_user, target=target, persons=Person.objects.all(), respond_by=_days(3)
    )
    page = client_for(xingning_user).get(reverse("engagement:activities_detail", args=[target.pk]))
    body = page.content.decode()
    assert "陈晓梅" in body and "王青秀" not in body
    assert "另有其他区域人员 1 名（不在您的查看范围内）" in body
    assert invitations.invitation_counts(xingning_user, target)["visible"] == 1


def test_a_pending_invitation_can_be_withdrawn_an_answered_one_not(
    client_for, xingning_user, make_person, activity
):
    from tongxin.people.models import Person

    make_person("陈晓梅")
    make_person("李建国")
    target = activity()
    invitations.invitations_send(
        actor=xingning_user, target=target, persons=Person.objects.all(), respond_by=_days(3)
    )
    first, second = Invitation.objects.order_by("id")
    invitations.invitation_answer(invitation=second, accept=True, username="本人（个人链接 #1）")
    client = client_for(xingning_user)
    url = "engagement:activities_invitation_withdraw"
    client.post(reverse(url, args=[target.pk, first.pk]))
    client.post(reverse(url, args=[target.pk, second.pk]))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.answer == "withdrawn" and second.answer == "accepted"
    assert target.participants.filter(person=second.person).exists()


def test_a_training_invitation_accepted_is_an_enrolment_marked_registered(
    xingning_user, make_person, regions
):
    from tongxin.people.models import Person

    person = make_person("陈晓梅")
    training = services.record_create(
        actor=None,
        model=Training,
        data={
            "course": "理论研修班",
            "organiser": "区委统战部",
            "start_date": _days(10),
            "region": regions["xingning"],
        },
    )
    invitations.invitations_send(
        actor=xingning_user, target=training, persons=Person.objects.all(), respond_by=_days(2)
    )
    invitation = Invitation.objects.get()
    invitations.invitation_answer(
        invitation=invitation, accept=True, username="本人（个人链接 #1）"
    )
    enrolment = training.enrolments.get(person=person)
    assert enrolment.attendance == "registered"
    assert enrolment.history.latest().history_change_reason == "本人（个人链接 #1）接受邀请"


def test_the_activity_page_reads_invitations_in_a_fixed_number_of_queries(
    client_for, xingning_user, make_person, activity
):
    """No query per invitation: the answers box costs the same for 2 and for 6."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tongxin.people.models import Person

    target = activity()
    client = client_for(xingning_user)
    url = reverse("engagement:activities_detail", args=[target.pk])
    counts = []
    for names in (["陈晓梅", "李建国"], ["王一", "王二", "王三", "王四"]):
        for name in names:
            make_person(name)
        invitations.invitations_send(
            actor=xingning_user, target=target, persons=Person.objects.all(), respond_by=_days(3)
        )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert Invitation.objects.count() == 6
    assert counts[0] == counts[1], counts
