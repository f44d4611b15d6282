"""A position that has not begun is not held yet, and a nomination stage is
recorded when it has happened: future dates count for neither."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tongxin.engagement.models import Nomination, NominationStage, Position, PositionType
from tongxin.engagement.tests.factories import make_record, post_data

pytestmark = pytest.mark.django_db


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def person_with_positions(make_person, regions):
    person = make_person("陈晓梅", region=regions["xingning"])
    Position.objects.create(  # held since last year
        person=person, region=person.region, type=PositionType.CPPCC, title="政协委员",
        start_date=_days(-365),
    )  # fmt: skip
    Position.objects.create(  # elected, takes office next month
        person=person, region=person.region, type=PositionType.DEPUTY, title="人大代表",
        start_date=_days(30),
    )  # fmt: skip
    return person


def test_the_person_page_lists_only_begun_positions(
    client_for, xingning_user, person_with_positions
):
    response = client_for(xingning_user).get(
        reverse("people:detail", args=[person_with_positions.pk])
    )

    page = response.content.decode()
    panel = page.split('data-testid="current-positions"')[1].split("</ul>")[0]
    assert "政协委员" in panel
    assert "人大代表" not in panel


def test_the_analysis_counts_only_begun_positions(client_for, xingning_user, person_with_positions):
    response = client_for(xingning_user).get(reverse("analysis:index"))

    distributions = {d.key: d for d in response.context["data"].distributions}
    counts = {b.label: b.count for b in distributions["position"].buckets}
    assert counts[PositionType.CPPCC.label] == 1
    assert counts[PositionType.DEPUTY.label] == 0


def test_the_person_list_filter_finds_only_begun_positions(
    client_for, xingning_user, person_with_positions
):
    client = client_for(xingning_user)

    deputies = client.get(reverse("people:list"), {"position": PositionType.DEPUTY})
    members = client.get(reverse("people:list"), {"position": PositionType.CPPCC})

    assert "陈晓梅" not in deputies.content.decode()
    assert "陈晓梅" in members.content.decode()


def test_a_recommendation_dated_tomorrow_is_refused(
    client_for, xingning_user, make_person, regions
):
    person = make_person("李四", region=regions["xingning"])
    data = post_data("nominations", regions["xingning"], on_date=_days(1))

    response = client_for(xingning_user).post(
        reverse("engagement:nominations_create") + f"?person={person.pk}", data
    )

    assert response.status_code == 200
    assert "推荐日期不能晚于今天。" in response.content.decode()
    assert not Nomination.objects.exists()


def test_a_stage_dated_tomorrow_is_refused(client_for, xingning_user, make_person, regions):
    person = make_person("张三", region=regions["xingning"])
    nomination = make_record(
        "nominations", actor=xingning_user, region=regions["xingning"], person=person
    )
    client = client_for(xingning_user)

    response = client.post(
        reverse("engagement:nomination_stage", args=[nomination.pk]),
        {"stage": "inspected", "on_date": _days(1).isoformat(), "responsible_unit": "区委统战部"},
    )

    assert "考察日期不能晚于今天。" in client.get(response.url).content.decode()
    nomination.refresh_from_db()
    assert nomination.stage == "recommended"
    assert NominationStage.objects.filter(nomination=nomination).count() == 1
