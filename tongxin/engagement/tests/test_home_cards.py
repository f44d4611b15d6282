"""The home page's coming activities card (issue 6): today counts, yesterday does not."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tongxin.accounts.models import User
from tongxin.core.versioned_cache import figures_reset
from tongxin.engagement.hooks import home_cards
from tongxin.engagement.models import Activity
from tongxin.engagement.services import person_add, record_cancel
from tongxin.engagement.tests.factories import make_record

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TODAY = datetime.date(2026, 11, 22)
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _today():
    # Just after midnight in Beijing: still the 21st in UTC.
    with time_machine.travel(datetime.datetime(2026, 11, 22, 0, 30, tzinfo=SHANGHAI), tick=False):
        yield


def activity(actor, region, title, start, end=None):
    return make_record(
        "activities", actor=actor, region=region, title=title, start_date=start, end_date=end
    )


def card(response) -> dict:
    return next(
        c["context"]
        for c in response.context["cards"]
        if c["template"] == "engagement/home_upcoming.html"
    )


def card_html(response) -> str:
    text = response.content.decode()
    start = text.index('data-testid="upcoming-home-card"')
    ends = [text.find(m, start) for m in ('<div class="col-lg-', '<div class="row g-3">')]
    return text[start : min(e for e in ends if e != -1)]


def test_it_lists_what_starts_today_or_later_in_the_users_regions(
    client_for, xingning_user, city_user, regions, make_person
):
    xingning, qingxiu = regions["xingning"], regions["qingxiu"]
    today = activity(xingning_user, xingning, "今天的座谈会", TODAY)
    activity(xingning_user, xingning, "昨天的座谈会", TODAY - DAY)
    running = activity(xingning_user, xingning, "进行中的考察", TODAY - DAY, TODAY + DAY)
    activity(city_user, qingxiu, "青秀区联谊活动", TODAY + DAY)
    cancelled = activity(xingning_user, xingning, "已撤销的活动", TODAY + DAY)
    record_cancel(actor=xingning_user, record=cancelled, note="取消")
    training = make_record(
        "trainings", actor=xingning_user, region=xingning, start_date=TODAY + 2 * DAY, end_date=None
    )
    for name in ("张三", "李四"):
        person_add(actor=xingning_user, target=today, person=make_person(name))

    response = client_for(xingning_user).get(reverse("home"))
    assert response.status_code == 200
    items = card(response)["items"]
    assert [i["title"] for i in items] == ["进行中的考察", "今天的座谈会", "新的社会阶层人士培训班"]
    assert items[1]["participants"] == today.participants.count() == 2
    assert items[2]["participants"] == training.enrolments.count() == 0
    html = card_html(response)
    assert "昨天的座谈会" not in html and "青秀区" not in html and "已撤销" not in html
    assert "2026年11月22日" in html and "进行中" in html and "兴宁区" in html
    assert reverse("engagement:activities_detail", args=[today.pk]) in html
    assert reverse("engagement:activities_detail", args=[running.pk]) in html
    assert reverse("engagement:trainings_detail", args=[training.pk]) in html


def test_it_shows_the_next_five_in_date_order(client_for, city_user, regions):
    for n in range(7, 0, -1):
        activity(city_user, regions["qingxiu"], f"活动{n}", TODAY + n * DAY)
    items = card(client_for(city_user).get(reverse("home")))["items"]
    assert [i["title"] for i in items] == ["活动1", "活动2", "活动3", "活动4", "活动5"]
    assert Activity.objects.count() == 7


def test_it_says_when_nothing_is_coming(client_for, xingning_user, qingxiu_user, regions):
    activity(qingxiu_user, regions["qingxiu"], "青秀区联谊活动", TODAY)
    html = card_html(client_for(xingning_user).get(reverse("home")))
    assert "暂无近期活动" in html and "青秀区联谊活动" not in html


def test_leaders_see_it_without_write_links(client_for, leader_user, city_user, regions):
    activity(city_user, regions["xingning"], "今天的座谈会", TODAY)
    html = card_html(client_for(leader_user).get(reverse("home")))
    assert "今天的座谈会" in html
    assert "/new/" not in html and "/edit/" not in html and "<form" not in html


def test_evaluators_get_no_card(client_for, regions):
    evaluator = User.objects.create_user("ev", password="x", role=User.Role.EVALUATOR)
    response = client_for(evaluator).get(reverse("home"))
    assert response.status_code == 200
    assert "upcoming-home-card" not in response.content.decode()
    assert home_cards(evaluator) == []


def _record_reads(queries) -> list[str]:
    """The card's reads of activities and trainings (not the versions in its
    key, MAX(history_id) each, nor the kept region rows)."""
    return [q["sql"] for q in queries if 'FROM "engagement_' in q["sql"] and "MAX(" not in q["sql"]]


def test_it_costs_two_queries_then_none_until_a_change(city_user, regions, make_person):
    for n in range(3):
        a = activity(city_user, regions["xingning"], f"活动{n}", TODAY + n * DAY)
        person_add(actor=city_user, target=a, person=make_person(f"人{n}"))
    figures_reset()  # what the worker kept after those changes is forgotten
    with CaptureQueriesContext(connection) as queries:
        cards = home_cards(city_user)
    assert len(cards[0]["context"]["items"]) == 3
    assert len(_record_reads(queries.captured_queries)) == 2  # activities, trainings
    with CaptureQueriesContext(connection) as queries:
        again = home_cards(city_user)
    assert again == cards and _record_reads(queries.captured_queries) == []
    person_add(actor=city_user, target=a, person=make_person("人3"))
    with CaptureQueriesContext(connection) as queries:
        changed = home_cards(city_user)
    assert changed[0]["context"]["items"][2]["participants"] == 2
