"""Participants in bulk: 全部出席, 撤回所选, a training's attendance and hours,
paging a long list, and the confirmation before adding many."""

import decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.engagement import services
from tongxin.engagement.models import ActivityParticipant, ParticipantBatch, TrainingParticipant
from tongxin.engagement.tests.factories import make_record
from tongxin.people.models import Person
from tongxin.people.tests.test_bulk_actions import many_persons

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity(regions, xingning_user):
    return make_record("activities", actor=xingning_user, region=regions["xingning"])


@pytest.fixture
def training(regions, xingning_user):
    return make_record(
        "trainings", actor=xingning_user, region=regions["xingning"], hours=decimal.Decimal("16")
    )


def _add(user, target, persons):
    return services.persons_bulk_add(
        actor=user, target=target, persons=Person.objects.filter(pk__in=[p.pk for p in persons])
    )


def test_all_attended_marks_every_visible_participant(
    client_for, xingning_user, make_person, regions, activity
):
    a, b = make_person("张三"), make_person("李四")
    other = make_person("赵六", region=regions["qingxiu"])
    _add(xingning_user, activity, [a, b, other])
    client = client_for(xingning_user)
    page = client.get(reverse("engagement:activities_detail", args=[activity.pk])).content.decode()
    assert "全部出席（2 人）" in page  # 赵六 is outside 兴宁区: neither counted nor named
    response = client.post(reverse("engagement:activities_attended", args=[activity.pk]))
    assert response.status_code == 302
    attendance = dict(ActivityParticipant.objects.values_list("person__name", "attendance"))
    assert attendance == {"张三": "attended", "李四": "attended", "赵六": "registered"}
    entry = AuditEntry.objects.get(action="update", object_id=str(activity.pk))
    assert entry.changes == {"attendance": "全部出席", "persons_marked": 2}
    assert ActivityParticipant.history.filter(history_change_reason="全部出席").count() == 2


def test_all_attended_above_50_needs_the_number_shown(
    client_for, xingning_user, make_person, regions, activity
):
    template = make_person("张三")
    _add(
        xingning_user, activity, many_persons(template, 50, region=regions["xingning"]) + [template]
    )
    client = client_for(xingning_user)
    url = reverse("engagement:activities_attended", args=[activity.pk])
    client.post(url, {"confirm": "40"})
    assert not ActivityParticipant.objects.filter(attendance="attended").exists()
    client.post(url, {"confirm": "51"})
    assert ActivityParticipant.objects.filter(attendance="attended").count() == 51


def test_training_all_attended_fills_the_trainings_hours(
    client_for, xingning_user, make_person, training
):
    a, b = make_person("张三"), make_person("李四")
    _add(xingning_user, training, [a, b])
    TrainingParticipant.objects.filter(person=a).update(hours=decimal.Decimal("8"))
    client_for(xingning_user).post(reverse("engagement:trainings_attended", args=[training.pk]))
    rows = dict(TrainingParticipant.objects.values_list("person__name", "hours"))
    assert rows == {"张三": decimal.Decimal("8"), "李四": decimal.Decimal("16")}
    assert set(TrainingParticipant.objects.values_list("attendance", flat=True)) == {"attended"}


def test_a_training_records_attendance_and_hours_per_participant(
    client_for, xingning_user, make_person, training
):
    _add(xingning_user, training, [make_person("张三")])
    row = TrainingParticipant.objects.get()
    client = client_for(xingning_user)
    url = reverse("engagement:training_participant_update", args=[training.pk, row.pk])
    response = client.post(url, {"attendance": "attended", "hours": "12.5"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "已保存" in response.content.decode()
    row.refresh_from_db()
    assert (row.attendance, row.hours) == ("attended", decimal.Decimal("12.5"))
    entry = AuditEntry.objects.filter(object_id=str(training.pk), action="update").latest("id")
    assert entry.changes["hours"] == ["", "12.5"] and entry.changes["person"] == "张三"
    response = client.post(url, {"attendance": "attended", "hours": "20"})
    assert response.status_code == 400
    assert "学时应在0到16之间" in response.content.decode()
    response = client.post(url, {"attendance": "attended", "hours": "abc"})
    assert response.status_code == 400 and "学时应为数字" in response.content.decode()
    row.refresh_from_db()
    assert row.hours == decimal.Decimal("12.5")


def test_another_regions_user_cannot_record_hours(
    client_for, xingning_user, qingxiu_user, make_person, training
):
    _add(xingning_user, training, [make_person("张三")])
    row = TrainingParticipant.objects.get()
    url = reverse("engagement:training_participant_update", args=[training.pk, row.pk])
    response = client_for(qingxiu_user).post(url, {"attendance": "attended", "hours": "1"})
    assert response.status_code == 404
    row.refresh_from_db()
    assert row.attendance == "registered"


def test_it_withdraws_the_ticked_participants_in_one_step(
    client_for, xingning_user, make_person, regions, activity
):
    a, b, c = make_person("张三"), make_person("李四"), make_person("王五")
    other = make_person("赵六", region=regions["qingxiu"])
    _add(xingning_user, activity, [a, b, c, other])
    rows = dict(ActivityParticipant.objects.values_list("person__name", "pk"))
    client = client_for(xingning_user)
    url = reverse("engagement:activities_withdraw_chosen", args=[activity.pk])
    chosen = [rows["张三"], rows["李四"], rows["赵六"]]  # 赵六 is not 兴宁区's to withdraw
    page = client.get(url, {"rows": chosen}).content.decode()
    assert 'data-testid="withdraw-count">2<' in page and "赵六" not in page
    response = client.post(url, {"rows": chosen, "reason": "误加入"})
    assert response.status_code == 302
    left = set(ActivityParticipant.objects.values_list("person__name", flat=True))
    assert left == {"王五", "赵六"}
    entry = AuditEntry.objects.get(action="delete", object_id=str(activity.pk))
    assert entry.changes == {"persons_withdrawn": "张三、李四", "count": 2, "reason": "误加入"}
    history = client.get(reverse("engagement:activities_detail", args=[activity.pk]))
    assert "张三、李四" in history.content.decode()  # one history line for the step


def test_withdrawing_nothing_is_refused(client_for, xingning_user, activity):
    url = reverse("engagement:activities_withdraw_chosen", args=[activity.pk])
    response = client_for(xingning_user).post(url, {"reason": "误加入"})
    assert response.status_code == 200
    assert "请先勾选要撤回的人员" in response.content.decode()


def test_an_activity_with_many_participants_is_paginated(
    client_for, xingning_user, make_person, regions, activity
):
    template = make_person("张三")
    _add(
        xingning_user,
        activity,
        many_persons(template, 149, region=regions["xingning"]) + [template],
    )
    client = client_for(xingning_user)
    url = reverse("engagement:activities_detail", args=[activity.pk])
    first = client.get(url).content.decode()
    assert 'data-testid="participant-total">150<' in first
    assert first.count('name="rows"') == 100 and "第 1/2 页" in first
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count('name="rows"') == 50


def test_an_activity_with_2000_participants_shows_100_a_page_in_the_same_queries(
    client_for, xingning_user, make_person, regions, activity
):
    template = make_person("张三")
    _add(
        xingning_user,
        activity,
        many_persons(template, 1999, region=regions["xingning"]) + [template],
    )
    client = client_for(xingning_user)
    url = reverse("engagement:activities_detail", args=[activity.pk])
    pages = {}
    for number in (1, 20):
        with CaptureQueriesContext(connection) as queries:
            pages[number] = client.get(url, {"page": number}).content.decode()
        pages[number] = (pages[number], len(queries))
    first, first_queries = pages[1]
    last, last_queries = pages[20]
    assert 'data-testid="participant-total">2000<' in first  # zh-hans groups no digits
    assert "第 1/20 页" in first and "第 20/20 页" in last
    assert first.count('name="rows"') == 100 and last.count('name="rows"') == 100
    assert "全部出席（2000 人）" in first
    # the page reads one page of rows, never all 2,000: the last page costs what the first does
    assert first_queries == last_queries < 60


def test_adding_more_than_50_from_the_filter_page_asks_first(
    client_for, xingning_user, make_person, regions, activity
):
    template = make_person("张三")
    many_persons(template, 60, region=regions["xingning"])
    client = client_for(xingning_user)
    url = reverse("engagement:activities_add_persons", args=[activity.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="add-confirm"' in page and "全部添加（61 人）" in page
    response = client.post(url, {"status": "active"})
    assert response.status_code == 200
    assert "符合条件的人员共 61 人，请勾选确认后再添加" in response.content.decode()
    assert not ActivityParticipant.objects.exists()
    client.post(url, {"status": "active", "confirm": "61"})
    assert ActivityParticipant.objects.count() == 61
    assert ParticipantBatch.objects.get().added == 61
