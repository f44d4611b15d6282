"""`tongxin demo` fills every module in both cities, once."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command

from tongxin.engagement.models import (
    Activity,
    ActivityParticipant,
    Cluster,
    Honour,
    Nomination,
    Organisation,
    OrganisationMember,
    Position,
    Training,
)
from tongxin.evaluations.models import EvaluationRound, EvaluationSheet, RoundResult
from tongxin.flows.models import ChangeRequest
from tongxin.levels.models import PersonReview, ReviewCycle
from tongxin.people.demo import MOVER_FROM, MOVER_TO
from tongxin.people.models import Person
from tongxin.regions.models import Region
from tongxin.service.models import ServiceRequest, Suggestion

# model → the region lookup that places its rows
REGION_OWNED = {
    Activity: "region",
    Training: "region",
    Cluster: "region",
    Organisation: "region",
    Position: "region",
    Nomination: "region",
    Honour: "region",
    ServiceRequest: "region",
    Suggestion: "region",
    EvaluationRound: "region",
    EvaluationSheet: "round__region",
    PersonReview: "person__region",
    ActivityParticipant: "person__region",
    OrganisationMember: "person__region",
}


@pytest.fixture
def filled(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = io.StringIO()
    call_command("demo", persons=400, seed=3, once=True, stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def _assert_every_module_has_rows_in_both_cities():
    for code in ("450100", "450200"):
        city = Region.objects.get(code=code)
        for model, lookup in REGION_OWNED.items():
            rows = model._default_manager.filter(**{f"{lookup}__path__startswith": city.path})
            assert rows.exists(), (model.__name__, city.name)
    street = Region.objects.get(code="450102001")
    assert Activity.objects.filter(region=street).exists()
    assert Position.objects.filter(region=street).exists()


def _assert_every_stage_and_state_is_shown():
    assert set(Nomination.objects.values_list("stage", flat=True)) == set(Nomination.Stage.values)
    assert Position.objects.filter(end_date__isnull=True).exists()
    assert Position.objects.filter(end_date__isnull=False).exists()
    assert ServiceRequest.objects.overdue().exists()
    assert ServiceRequest.objects.filter(status=ServiceRequest.Status.CLOSED).exists()
    assert Organisation.objects.filter(parent__region__kind=Region.Kind.CITY).exists()
    # Withdrawn participants stay in the rows' history.
    assert ActivityParticipant.history.filter(history_type="-").exists()
    # Suggestions signed by persons of several regions.
    assert any(
        len({p.region_id for p in s.submitters.all()}) > 1
        for s in Suggestion.objects.prefetch_related("submitters")
    )
    assert EvaluationRound.objects.filter(status=EvaluationRound.Status.CLOSED).exists()
    assert RoundResult.objects.exists()
    sheets = EvaluationSheet.objects.filter(evaluator__username="evaluator")
    assert sheets.filter(status=EvaluationSheet.Status.SUBMITTED).exists()
    assert sheets.exclude(status=EvaluationSheet.Status.SUBMITTED).exists()
    assert ReviewCycle.objects.get().reviews.exists()
    states = set(ChangeRequest.objects.values_list("state", flat=True))
    assert states == set(ChangeRequest.State.values)


def _assert_the_mover_keeps_records_in_the_old_region():
    moved = Person.history.get(history_change_reason__startswith="迁居").instance
    assert moved.region.code == MOVER_TO
    old = Region.objects.get(code=MOVER_FROM)
    assert Position.objects.filter(person=moved, region=old).exists()
    assert ServiceRequest.objects.filter(person=moved, region=old).exists()
    assert EvaluationSheet.objects.filter(person=moved).exists()


# One test, because filling takes ~10 s: each part is a helper above.
def test_it_fills_every_module_in_both_cities_and_only_once(filled):
    assert "各模块演示记录已生成" in filled
    _assert_every_module_has_rows_in_both_cities()
    _assert_every_stage_and_state_is_shown()
    _assert_the_mover_keeps_records_in_the_old_region()

    before = _counts()
    out = io.StringIO()
    call_command("demo", persons=400, seed=3, once=True, stdout=out)
    assert _counts() == before
    assert "各模块演示记录已生成" not in out.getvalue()
