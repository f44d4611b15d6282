"""The evaluator's sheet shows, read-only, the records the rubric relies on for
the round's period; previous/next; the deadline."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from tongxin.engagement import services as engagement
from tongxin.engagement.models import ActivityParticipant, OrganisationMember, TrainingParticipant
from tongxin.engagement.tests.factories import make_record
from tongxin.evaluations.models import EvaluationSheet
from tongxin.people.models import Person
from tongxin.service.models import Suggestion

pytestmark = pytest.mark.django_db


def _records_of(person, *, actor, region):
    """One record of every kind in 2026, and one honour outside the period."""
    make_record("positions", actor=actor, region=region, person=person)
    make_record("honours", actor=actor, region=region, person=person)
    make_record(
        "honours", actor=actor, region=region, person=person, title="往年表彰",
        date=datetime.date(2024, 5, 1),
    )  # fmt: skip
    training = make_record("trainings", actor=actor, region=region)
    activity = make_record("activities", actor=actor, region=region)
    organisation = make_record("organisations", actor=actor, region=region)
    persons = Person.objects.filter(pk=person.pk)
    engagement.persons_bulk_add(actor=actor, target=training, persons=persons)
    engagement.persons_bulk_add(actor=actor, target=activity, persons=persons)
    TrainingParticipant.objects.update(attendance="attended", hours=Decimal("12.5"))
    ActivityParticipant.objects.update(attendance="attended")
    OrganisationMember.objects.create(
        organisation=organisation, person=person, role="vice_president",
        start_date=datetime.date(2025, 1, 1),
    )  # fmt: skip
    suggestion = Suggestion.objects.create(
        region=region, title="优化营商环境的建议", content="……",
        submitted_on=datetime.date(2026, 6, 1), outcome=Suggestion.Outcome.ADOPTED,
    )  # fmt: skip
    suggestion.submitters.add(person)


def test_the_sheet_shows_the_records_of_the_period_read_only(
    client_for, make_round, make_person, evaluators, regions, xingning_user
):
    zhang = make_person("张三")
    _records_of(zhang, actor=xingning_user, region=regions["xingning"])
    evaluation_round = make_round([zhang], evaluator_list=evaluators[:1])
    sheet = EvaluationSheet.objects.get(round=evaluation_round)
    page = client_for(evaluators[0]).get(reverse("evaluations:sheet_detail", args=[sheet.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    evidence = text.split('data-testid="evidence"')[1].split('<form method="post"')[0]
    assert "考核期间 2026年1月1日—2026年12月31日" in evidence
    for expected in ("南宁市政协 委员", "优秀中国特色社会主义事业建设者", "新的社会阶层人士培训班",
                     "出席学时合计 12.5", "主题教育读书班", "兴宁区新联会</td><td>副会长",
                     "优化营商环境的建议"):  # fmt: skip
        assert expected in evidence, expected
    assert "往年表彰" not in evidence  # 2024: outside the round's period
    assert "<input" not in evidence
    assert 'data-testid="deadline">截止日期：2026年12月31日' in text


def test_records_of_a_region_outside_the_rounds_are_there_unnamed(
    client_for, make_round, make_person, evaluators, regions, xingning_user, qingxiu_user
):
    zhang = make_person("张三")
    theirs = make_record("activities", actor=qingxiu_user, region=regions["qingxiu"],
                         title="青秀区活动")  # fmt: skip
    engagement.persons_bulk_add(
        actor=qingxiu_user, target=theirs, persons=Person.objects.filter(pk=zhang.pk)
    )
    ActivityParticipant.objects.update(attendance="attended")
    make_record("honours", actor=xingning_user, region=regions["xingning"], person=zhang)
    evaluation_round = make_round([zhang], region=regions["xingning"], actor=xingning_user,
                                  evaluator_list=evaluators[:1])  # fmt: skip
    sheet = EvaluationSheet.objects.get(round=evaluation_round)
    text = (
        client_for(evaluators[0])
        .get(reverse("evaluations:sheet_detail", args=[sheet.pk]))
        .content.decode()
    )
    assert "青秀区活动" not in text and "其他区域的记录" in text
    assert "优秀中国特色社会主义事业建设者" in text


def test_previous_and_next_walk_the_evaluators_sheets_by_name(
    client_for, make_round, make_person, evaluators
):
    persons = [make_person(name) for name in ("王五", "李四", "张三")]
    evaluation_round = make_round(persons, evaluator_list=evaluators[:1])
    by_name = {
        s.person.name: s
        for s in EvaluationSheet.objects.filter(round=evaluation_round).select_related("person")
    }
    client = client_for(evaluators[0])
    url = reverse("evaluations:sheet_detail", args=[by_name["王五"].pk])  # li, wang, zhang
    nav = client.get(url).content.decode().split('data-testid="sheet-nav"')[1].split("</nav>")[0]
    assert reverse("evaluations:sheet_detail", args=[by_name["李四"].pk]) in nav
    assert reverse("evaluations:sheet_detail", args=[by_name["张三"].pk]) in nav
    assert "第 2/3 份" in nav
