"""The person accepts or declines the office's invitations on their own page."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.engagement import invitations, services
from tongxin.engagement.models import Activity, ActivityType, Invitation
from tongxin.people.models import Person

pytestmark = pytest.mark.django_db


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def invite(regions, xingning_user):
    """invite(person, title=…, respond_in=7) → the Invitation, sent by xingning staff."""

    def make(person, *, title="同心助企座谈会", respond_in=7):
        activity = services.record_create(
            actor=None,
            model=Activity,
            data={
                "type": ActivityType.objects.get(name="主题教育"),
                "title": title,
                "start_date": _days(14),
                "place": "统战部会议室",
                "region": regions["xingning"],
            },
        )
        invitations.invitations_send(
            actor=xingning_user,
            target=activity,
            persons=Person.objects.filter(pk=person.pk),
            respond_by=_days(respond_in),
            note="请携带身份证",
        )
        return Invitation.objects.get(activity=activity, person=person)

    return make


def _answer(client, invitation, answer: str, reason: str = ""):
    return client.post(
        reverse("me:invitation_answer"),
        {"invitation": invitation.pk, "answer": answer, "reason": reason},
    )


def test_the_person_accepts_and_joins_the_list_as_registered(
    client, make_person, signed_in, invite
):
    person = make_person("陈晓梅")
    invitation = invite(person)
    link = signed_in(person)
    home = client.get(reverse("me:home")).content.decode()
    assert "同心助企座谈会" in home and "请携带身份证" in home and "接受邀请" in home
    response = _answer(client, invitation, "accept")
    assert response.status_code == 302 and response["Location"].endswith("?sent=accepted")
    invitation.refresh_from_db()
    assert (
        invitation.answer == "accepted" and invitation.answered_by == f"本人（个人链接 #{link.pk}）"
    )
    participant = invitation.activity.participants.get(person=person)
    assert participant.attendance == "registered"
    entry = AuditEntry.objects.filter(object_type="engagement.invitation").latest("id")
    assert entry.user is None and entry.username == f"本人（个人链接 #{link.pk}）"
    assert entry.changes["answer"] == ["待答复", "已接受"]
    home = client.get(reverse("me:home")).content.decode()
    assert "已接受" in home and "确认谢绝" not in home
    # The activity is now among the person's activities too.
    activities = home.split('data-testid="activities"')[1].split("</section>")[0]
    assert "同心助企座谈会" in activities


def test_declining_needs_a_reason_and_then_keeps_the_person_out(
    client, make_person, signed_in, invite
):
    person = make_person("陈晓梅")
    invitation = invite(person)
    signed_in(person)
    refused = _answer(client, invitation, "decline", "  ")
    assert refused.status_code == 200 and "请填写谢绝原因" in refused.content.decode()
    invitation.refresh_from_db()
    assert invitation.answer == "pending"
    response = _answer(client, invitation, "decline", "当天在外地出差")
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert (invitation.answer, invitation.reason) == ("declined", "当天在外地出差")
    assert not invitation.activity.participants.exists()
    # An answer is given once; a second one is refused with what to do.
    again = _answer(client, invitation, "accept")
    assert again.status_code == 200 and "如需更改，请联系统战部门" in again.content.decode()
    invitation.refresh_from_db()
    assert invitation.answer == "declined"


def test_after_the_deadline_the_answer_is_closed(client, make_person, signed_in, invite):
    person = make_person("陈晓梅")
    invitation = invite(person, respond_in=0)
    Invitation.objects.filter(pk=invitation.pk).update(respond_by=_days(-1))
    signed_in(person)
    home = client.get(reverse("me:home")).content.decode()
    assert "逾期未答复" in home and "接受邀请" not in home
    response = _answer(client, invitation, "accept")
    assert response.status_code == 200 and "答复已于" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.answer == "pending" and not invitation.activity.participants.exists()


def test_a_person_cannot_answer_another_persons_invitation(client, make_person, signed_in, invite):
    person = make_person("陈晓梅")
    other = make_person("李建国", birth_date=datetime.date(1979, 3, 2))
    theirs = invite(other)
    signed_in(person)
    assert "同心助企座谈会" not in client.get(reverse("me:home")).content.decode()
    assert _answer(client, theirs, "accept").status_code == 404
    theirs.refresh_from_db()
    assert theirs.answer == "pending"


def test_a_withdrawn_invitation_is_not_shown(client, make_person, signed_in, invite, xingning_user):
    person = make_person("陈晓梅")
    invitation = invite(person)
    invitations.invitation_withdraw(actor=xingning_user, invitation=invitation)
    signed_in(person)
    assert "同心助企座谈会" not in client.get(reverse("me:home")).content.decode()
    response = _answer(client, invitation, "accept")
    assert response.status_code == 200 and "这份邀请已撤回" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.answer == "withdrawn" and not invitation.activity.participants.exists()


def test_the_download_lists_the_invitations_and_answers(client, make_person, signed_in, invite):
    person = make_person("陈晓梅")
    invitation = invite(person)
    signed_in(person)
    _answer(client, invitation, "decline", "时间冲突")
    data = json.loads(client.get(reverse("me:download")).content)
    (row,) = data["活动邀请"]
    assert row["名称"] == "同心助企座谈会" and row["答复"] == "已谢绝"
    assert row["谢绝原因"] == "时间冲突"
