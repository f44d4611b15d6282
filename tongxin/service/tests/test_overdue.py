"""Overdue = not closed and the due date before today in Asia/Shanghai; due today is not."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from tongxin.service.hooks import home_cards
from tongxin.service.models import ServiceRequest

pytestmark = pytest.mark.django_db

Status = ServiceRequest.Status
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DUE = datetime.date(2026, 11, 20)


def at(day: datetime.date, hour: int = 12, minute: int = 0):
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI), tick=False
    )


@pytest.fixture
def due_request(make_person, make_request):
    """An assigned request due on 2026-11-20, made on 2026-11-01."""
    with at(datetime.date(2026, 11, 1)):
        return make_request(
            make_person("张三"),
            status=Status.IN_PROGRESS,
            received_on=datetime.date(2026, 10, 25),
            due_date=DUE,
        )


def overdue_ids() -> set[int]:
    return set(ServiceRequest.objects.overdue().values_list("id", flat=True))


def test_due_today_is_not_overdue(due_request):
    with at(DUE, 23, 59):
        assert not due_request.is_overdue
        assert overdue_ids() == set()


def test_due_yesterday_is_overdue(due_request):
    with at(DUE + datetime.timedelta(days=1), 0, 1):
        assert due_request.is_overdue
        assert overdue_ids() == {due_request.pk}


def test_the_day_turns_at_midnight_in_shanghai_not_utc(due_request):
    # 2026-11-21 07:30 in Shanghai is still 2026-11-20 in UTC.
    with at(DUE + datetime.timedelta(days=1), 7, 30):
        assert due_request.is_overdue
    # 2026-11-20 23:30 in Shanghai is already 2026-11-20 15:30 UTC; the same day either way.
    with at(DUE, 23, 30):
        assert not due_request.is_overdue


def test_closed_is_never_overdue(due_request, admin_user):
    from tongxin.service.services import service_request_close

    with at(DUE + datetime.timedelta(days=5)):
        assert due_request.is_overdue
        closed = service_request_close(
            actor=admin_user, service_request=due_request, answer="已办结", closed_on=DUE
        )
        assert not closed.is_overdue
        assert overdue_ids() == set()


def test_received_without_due_date_is_not_overdue(make_person, make_request):
    r = make_request(make_person("张三"))
    assert r.status == Status.RECEIVED and not r.is_overdue
    assert overdue_ids() == set()


def test_overdue_shows_in_list_detail_person_page_and_home_card(
    due_request, client_for, xingning_user, qingxiu_user
):
    client = client_for(xingning_user)
    with at(DUE):
        text = client.get(reverse("service:request_list"), {"overdue": "1"}).content.decode()
        assert "没有符合条件的意见诉求" in text
        assert home_cards(xingning_user)[0]["context"] == {"open": 1, "overdue": 0}
    with at(DUE + datetime.timedelta(days=1)):
        text = client.get(reverse("service:request_list"), {"overdue": "1"}).content.decode()
        assert f'data-request="{due_request.pk}"' in text and "逾期" in text
        detail = client.get(reverse("service:request_detail", args=[due_request.pk]))
        assert "已逾期：办理时限为 2026年11月20日" in detail.content.decode()
        person_page = client.get(reverse("people:detail", args=[due_request.person_id]))
        panel = person_page.content.decode()
        assert 'data-testid="person-requests"' in panel and 'data-testid="overdue"' in panel
        assert home_cards(xingning_user)[0]["context"] == {"open": 1, "overdue": 1}
        # another region's user counts none of it
        assert home_cards(qingxiu_user)[0]["context"] == {"open": 0, "overdue": 0}
