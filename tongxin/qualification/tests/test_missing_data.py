"""A record that lacks what a condition reads (no 从业起始年份, as imported rosters
often do) is 待补充, not 不符合: nothing says the person fails."""

import datetime

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _panel(client, person) -> str:
    page = client.get(reverse("people:detail", args=[person.pk])).content.decode()
    return page.split('data-testid="qualification-panel"')[1].split("</div>")[0]


def test_a_missing_start_year_is_to_be_completed(client_for, xingning_user, make_person):
    person = make_person("新从业", career_start_year=None)

    panel = _panel(client_for(xingning_user), person)

    assert "待补充" in panel
    assert "从业起始年份未填写，无法判断从业年限" in panel
    assert "不符合" not in panel


def test_a_failed_condition_and_a_gap_are_told_apart(client_for, xingning_user, make_person):
    person = make_person("年长者", birth_date=datetime.date(1950, 1, 1), career_start_year=None)

    panel = _panel(client_for(xingning_user), person)

    failed, missing = panel.split('data-testid="qualification-missing"')
    assert "不符合" in failed and "年龄超过60周岁" in failed
    assert "从业起始年份未填写" in missing and "年龄" not in missing


def test_the_report_marks_the_gap_as_to_be_completed(client_for, city_user, make_person):
    make_person("新从业", career_start_year=None)

    page = client_for(city_user).get(reverse("qualification:report")).content.decode()

    assert "待补充：从业起始年份未填写，无法判断从业年限" in page
    assert 'text-bg-warning me-1">从业起始年份未填写' not in page
