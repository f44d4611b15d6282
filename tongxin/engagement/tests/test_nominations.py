import datetime

import pytest
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.engagement.models import Nomination, NominationStage, Position
from tongxin.engagement.tests.factories import make_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def nomination(regions, make_person, xingning_user):
    person = make_person("张三", region=regions["xingning"])
    return make_record("nominations", actor=xingning_user, region=regions["xingning"],
                       person=person)  # fmt: skip


def _advance(client, nomination, stage, day="2026-03-01", **extra):
    return client.post(
        reverse("engagement:nomination_stage", args=[nomination.pk]),
        {"stage": stage, "on_date": day, "responsible_unit": "区委统战部", **extra},
    )


def test_recommending_records_the_first_stage(nomination):
    stage = NominationStage.objects.get(nomination=nomination)
    assert stage.stage == "recommended"
    assert stage.responsible_unit == "兴宁区工商联"
    assert nomination.stage == "recommended"


def test_it_refuses_a_jump_from_recommended_to_appointed(client_for, xingning_user, nomination):
    client = client_for(xingning_user)
    response = _advance(client, nomination, "appointed")
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "不能从“推荐”直接进入“任职”" in page
    nomination.refresh_from_db()
    assert nomination.stage == "recommended"
    assert not Position.objects.exists()
    assert NominationStage.objects.filter(nomination=nomination).count() == 1


def test_it_walks_the_stages_and_appointment_creates_the_position(
    client_for, xingning_user, nomination
):
    client = client_for(xingning_user)
    _advance(client, nomination, "inspected", "2026-03-01", outcome="考察合格")
    _advance(client, nomination, "decided", "2026-04-01", outcome="同意提名")
    response = _advance(client, nomination, "appointed", "2026-05-01")
    page = client.get(response.url).content.decode()
    assert "已生成政治安排/社会职务记录" in page
    nomination.refresh_from_db()
    assert nomination.stage == "appointed"
    assert [s.stage for s in nomination.stages.order_by("id")] == [
        "recommended", "inspected", "decided", "appointed",
    ]  # fmt: skip
    position = Position.objects.get()
    assert position.nomination == nomination
    assert position.person == nomination.person
    assert (position.type, position.level, position.title) == ("cppcc", "county", "委员")
    assert position.start_date == datetime.date(2026, 5, 1)
    assert position.history.get().history_change_reason == "提名任职"
    assert AuditEntry.objects.filter(object_type="engagement.position", action="create").exists()
    assert AuditEntry.objects.filter(
        object_type="engagement.nomination", changes__stage=["决定", "任职"]
    ).exists()
    # once appointed, nothing moves any more
    _advance(client, nomination, "rejected", "2026-06-01")
    nomination.refresh_from_db()
    assert nomination.stage == "appointed"


def test_rejection_is_possible_from_any_open_stage(client_for, xingning_user, nomination):
    client = client_for(xingning_user)
    _advance(client, nomination, "inspected")
    _advance(client, nomination, "rejected", outcome="考察未通过")
    nomination.refresh_from_db()
    assert nomination.stage == "rejected"
    assert not Position.objects.exists()
    _advance(client, nomination, "decided")
    nomination.refresh_from_db()
    assert nomination.stage == "rejected"


def test_a_stage_may_not_predate_the_previous_one(client_for, xingning_user, nomination):
    response = _advance(client_for(xingning_user), nomination, "inspected", "2020-01-01")
    assert response.status_code == 302
    nomination.refresh_from_db()
    assert nomination.stage == "recommended"


def test_stage_changes_are_refused_for_other_regions_and_leader(
    client_for, qingxiu_user, leader_user, nomination
):
    assert _advance(client_for(qingxiu_user), nomination, "inspected").status_code == 404
    assert _advance(client_for(leader_user), nomination, "inspected").status_code == 404
    nomination.refresh_from_db()
    assert nomination.stage == "recommended"


def test_the_board_shows_nominations_by_stage(
    client_for, xingning_user, qingxiu_user, nomination, django_assert_max_num_queries
):
    client = client_for(xingning_user)
    _advance(client, nomination, "inspected")
    with django_assert_max_num_queries(8):
        response = client.get(reverse("engagement:nomination_board"))
    text = response.content.decode()
    assert response.status_code == 200
    inspected = text.split('data-stage="inspected"')[1].split('data-stage="decided"')[0]
    assert "张三" in inspected
    assert "张三" not in text.split('data-stage="inspected"')[0]
    other = client_for(qingxiu_user).get(reverse("engagement:nomination_board"))
    assert "张三" not in other.content.decode()


def test_a_nomination_needs_a_level_for_deputies(client_for, xingning_user, regions, make_person):
    person = make_person("李四", region=regions["xingning"])
    response = client_for(xingning_user).post(
        reverse("engagement:nominations_create") + f"?person={person.pk}",
        {"position_type": "deputy", "recommending_unit": "区工商联", "on_date": "2026-01-01"},
    )
    assert "拟任人大代表、政协委员须选择级别" in response.content.decode()
    assert not Nomination.objects.exists()
