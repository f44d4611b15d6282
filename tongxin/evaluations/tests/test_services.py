"""The evaluation services: tree validation, versioning, scoring, aggregation,
grades and removal proposals — the issue's Proof, checked against the database."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tongxin.audit.models import AuditEntry
from tongxin.evaluations import results, rounds, sheets, systems
from tongxin.evaluations.errors import EvaluationError
from tongxin.evaluations.grading import grade_for, to_cents
from tongxin.evaluations.models import (
    EvaluationRound,
    EvaluationSheet,
    IndicatorSystem,
    RemovalProposal,
    RoundResult,
    Score,
)
from tongxin.evaluations.systems import DimensionSpec, IndicatorSpec
from tongxin.evaluations.tests.conftest import entries_for, score, simple_tree
from tongxin.people.models import Person

pytestmark = pytest.mark.django_db


def sheets_of(evaluation_round, person):
    return list(
        EvaluationSheet.objects.filter(round=evaluation_round, person=person)
        .select_related("round__system", "evaluator")
        .order_by("evaluator__username")
    )


# --- indicator systems --------------------------------------------------------


def test_it_ships_the_default_system_with_weights_summing_to_100():
    system = IndicatorSystem.objects.get(name="综合评价指标体系（默认）")
    tree = systems.tree_of(system)
    assert [d.name for d in tree] == ["政治素质", "社会贡献", "参政议政能力", "社会影响"]
    assert sum(d.weight for d in tree) == 100
    assert all(2 <= len(d.indicators) <= 4 for d in tree)
    assert systems.validate_tree(tree) == []
    assert system.is_active and system.region is None


def test_weights_are_checked_in_use_not_on_saving(city_user, simple_system):
    tree = simple_tree()
    tree[1].weight = 30
    saved = systems.indicator_system_save(
        actor=city_user, system=None, name="录入中", region=None, groups=[], dimensions=tree
    )
    assert systems.validate_tree(tree, in_use=False) == []
    assert "各维度权重合计为 90%，必须等于 100%。" in systems.validate_tree(tree)
    assert "权重合计为 90%" in systems.weight_refusal(saved)
    assert systems.weight_refusal(simple_system) is None


def test_it_refuses_to_activate_a_system_whose_weights_were_broken(city_user, simple_system):
    systems.indicator_system_set_active(actor=city_user, system=simple_system, active=False)
    simple_system.dimensions.filter(name="社会贡献").update(weight=10)
    with pytest.raises(EvaluationError, match="权重合计为 70%"):
        systems.indicator_system_set_active(actor=city_user, system=simple_system, active=True)
    simple_system.refresh_from_db()
    assert not simple_system.is_active


def test_it_names_each_bad_part_of_a_tree():
    tree = [
        DimensionSpec("", 50, []),
        DimensionSpec("社会贡献", 50, [IndicatorSpec("", Decimal(0))]),
    ]
    errors = systems.validate_tree(tree)
    assert "第1个维度：请填写名称。" in errors
    assert "第1个维度：至少需要一个指标。" in errors
    assert "第2个维度“社会贡献”的第1个指标：请填写名称。" in errors
    assert "第2个维度“社会贡献”的第1个指标：满分应为大于 0、不超过 1000 的数。" in errors


def test_it_edits_an_unused_system_in_place(city_user, simple_system):
    tree = simple_tree()
    tree[0].indicators[0].max_points = Decimal(20)
    saved = systems.indicator_system_save(
        actor=city_user,
        system=simple_system,
        name="测试体系",
        region=None,
        groups=[],
        dimensions=tree,
    )
    assert saved.pk == simple_system.pk and saved.version == 1
    assert saved.dimensions.get(name="政治素质").indicators.first().max_points == 20
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.UPDATE, object_id=str(saved.pk)
    ).exists()


def test_editing_a_used_system_makes_a_new_version_and_leaves_old_results_alone(
    city_user, simple_system, make_round, make_person
):
    person = make_person("张三")
    evaluation_round = make_round([person])
    for sheet in sheets_of(evaluation_round, person):
        score(sheet, 10, 10, 15)  # 90
    results.round_close(actor=city_user, evaluation_round=evaluation_round)
    before = RoundResult.objects.get(round=evaluation_round, person=person)
    assert (before.score, before.grade) == (Decimal("90.00"), "A")

    tree = simple_tree()
    tree[0].weight, tree[1].weight = 20, 80  # would make the same points 68
    tree[1].indicators[0].max_points = Decimal(40)
    new = systems.indicator_system_save(
        actor=city_user,
        system=simple_system,
        name="测试体系",
        region=None,
        groups=[],
        dimensions=tree,
    )

    assert new.pk != simple_system.pk
    assert (new.version, new.copied_from_id) == (2, simple_system.pk)
    simple_system.refresh_from_db()
    assert not simple_system.is_active
    # the old version is unchanged and the round still points at it
    assert [(d.name, d.weight) for d in systems.tree_of(simple_system)] == [
        ("政治素质", 60),
        ("社会贡献", 40),
    ]
    evaluation_round.refresh_from_db()
    assert evaluation_round.system_id == simple_system.pk
    after = RoundResult.objects.get(round=evaluation_round, person=person)
    assert (after.score, after.grade) == (Decimal("90.00"), "A")
    # recomputing from the stored scores still gives the old meaning
    assert results.aggregate_round(evaluation_round)[0].score == Decimal("90.00")
    # an old version cannot be edited again once a newer one exists
    with pytest.raises(EvaluationError, match="已有更新的版本"):
        systems.indicator_system_save(
            actor=city_user,
            system=simple_system,
            name="测试体系",
            region=None,
            groups=[],
            dimensions=simple_tree(),
        )


# --- rounds and sheets --------------------------------------------------------


def test_it_creates_a_round_with_the_filtered_active_persons(
    city_user, make_round, make_person, regions, evaluators
):
    keep = make_person("张三", region=regions["xingning"])
    other_region = make_person("李四", region=regions["qingxiu"])
    archived = make_person("王五", region=regions["xingning"])
    from tongxin.people.services import person_archive

    person_archive(
        actor=city_user, person=archived, reason="died", on_date=datetime.date(2026, 1, 1)
    )
    evaluation_round = make_round([keep, other_region, archived], region=regions["xingning"])
    assert set(evaluation_round.persons.all()) == {keep}
    assert evaluation_round.status == EvaluationRound.Status.OPEN
    assert EvaluationSheet.objects.filter(round=evaluation_round).count() == 3
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.CREATE, object_type="evaluations.evaluationround"
    ).exists()


def test_it_refuses_a_round_without_persons_or_evaluators(city_user, simple_system, regions):
    with pytest.raises(EvaluationError) as error:
        rounds.round_create(
            actor=city_user,
            name="2026年度",
            region=regions["city"],
            system=simple_system,
            persons=Person.objects.none(),
            evaluators=[],
            deadline=datetime.date(2026, 12, 31),
        )
    assert "评审人：至少选择一名评审人。" in error.value.messages
    assert "参评人员：按所选条件没有可参评的在库人员。" in error.value.messages
    assert not EvaluationRound.objects.exists()


def test_it_refuses_a_score_above_the_maximum(make_round, make_person):
    person = make_person("张三")
    sheet = sheets_of(make_round([person]), person)[0]
    with pytest.raises(EvaluationError) as error:
        score(sheet, 10, 10.5, 15, submit=False)
    assert "“活动参加”的得分不能超过满分 10 分。" in error.value.messages
    assert not Score.objects.filter(sheet=sheet).exists()
    with pytest.raises(EvaluationError, match="不能小于 0"):
        score(sheet, -1, 5, 5, submit=False)


def test_it_saves_a_draft_then_requires_every_score_to_submit(make_round, make_person):
    person = make_person("张三")
    sheet = sheets_of(make_round([person]), person)[0]
    score(sheet, 8, None, None, submit=False)
    sheet.refresh_from_db()
    assert sheet.status == EvaluationSheet.Status.DRAFT
    assert Score.objects.get(sheet=sheet).points == Decimal(8)
    with pytest.raises(EvaluationError, match="“活动参加”尚未评分"):
        score(sheet, 8, None, None, submit=True)
    score(sheet, 8, 7, 10)
    sheet.refresh_from_db()
    assert sheet.status == EvaluationSheet.Status.SUBMITTED
    assert sheet.total == Decimal("65.00")  # 3·15 + 2·10
    with pytest.raises(EvaluationError, match="已提交"):
        score(sheet, 10, 10, 20)


def test_only_the_assigned_evaluator_may_fill_a_sheet(make_round, make_person, evaluators):
    person = make_person("张三")
    sheet = sheets_of(make_round([person]), person)[0]
    with pytest.raises(EvaluationError, match="只能填写分配给自己的评分表"):
        sheets.sheet_save(
            actor=evaluators[1],
            sheet=sheet,
            entries=entries_for(sheet.round.system, 1, 1, 1),
        )


# --- aggregation and grades ---------------------------------------------------


def test_it_aggregates_over_submitted_evaluators_and_shows_the_missing(
    city_user, make_round, make_person
):
    person = make_person("张三")
    evaluation_round = make_round([person])
    first, second, never = sheets_of(evaluation_round, person)
    score(first, 10, 10, 15)  # 90
    score(second, 10, 0, 15)  # 60
    score(never, 0, 0, 0, submit=False)  # a draft of zeros must not count
    results.round_close(actor=city_user, evaluation_round=evaluation_round)
    result = RoundResult.objects.get(round=evaluation_round, person=person)
    assert result.score == Decimal("75.00")
    assert (result.min_score, result.max_score) == (Decimal("60.00"), Decimal("90.00"))
    assert result.spread == Decimal("30.00")
    assert (result.n_evaluators, result.n_missing) == (2, 1)
    assert (result.grade, result.rank) == ("B", 1)


def test_a_person_nobody_scored_gets_no_grade_and_no_proposal(city_user, make_round, make_person):
    person = make_person("张三")
    evaluation_round = make_round([person])
    results.round_close(actor=city_user, evaluation_round=evaluation_round)
    result = RoundResult.objects.get(round=evaluation_round, person=person)
    assert (result.score, result.grade, result.rank, result.n_missing) == (None, "", None, 3)
    assert not RemovalProposal.objects.exists()


@pytest.mark.parametrize(
    ("points", "expected_score", "grade"),
    [
        ((10, 10, 20), "100.00", "A"),
        ((10, 10, 15), "90.00", "A"),
        ((10, 9.9, 15), "89.70", "B"),
        ((10, 5, 15), "75.00", "B"),
        ((10, 4.9, 15), "74.70", "C"),
        ((10, 0, 15), "60.00", "C"),
        ((9.9, 0, 15), "59.70", "D"),
        ((0, 0, 0), "0.00", "D"),
    ],
)
def test_grade_boundaries_are_inclusive(
    city_user, make_round, make_person, evaluators, points, expected_score, grade
):
    person = make_person("张三")
    evaluation_round = make_round([person], evaluator_list=evaluators[:1])
    score(sheets_of(evaluation_round, person)[0], *points)
    results.round_close(actor=city_user, evaluation_round=evaluation_round)
    result = RoundResult.objects.get(round=evaluation_round, person=person)
    assert (result.score, result.grade) == (Decimal(expected_score), grade)


def test_a_mean_just_under_90_is_b(city_user, make_round, make_person):
    person = make_person("张三")
    evaluation_round = make_round([person])
    a, b, c = sheets_of(evaluation_round, person)
    score(a, 10, 10, 15)  # 90
    score(b, 10, 10, 15)  # 90
    score(c, 10, 9.9, 15)  # 89.7 → mean 89.9
    results.round_close(actor=city_user, evaluation_round=evaluation_round)
    result = RoundResult.objects.get(round=evaluation_round, person=person)
    assert (result.score, result.grade) == (Decimal("89.90"), "B")


def test_grade_for_exact_boundaries():
    assert grade_for(Decimal("90.00")) == "A"
    assert grade_for(Decimal("89.99")) == "B"
    assert grade_for(Decimal("75")) == "B"
    assert grade_for(Decimal("74.99")) == "C"
    assert grade_for(Decimal("60.00")) == "C"
    assert grade_for(Decimal("59.99")) == "D"
    assert grade_for(None) == ""


def test_grade_bands_follow_settings(settings):
    settings.TONGXIN_GRADE_BANDS = [["优秀", 85], ["合格", 60], ["不合格", 0]]
    assert grade_for(Decimal("85")) == "优秀"
    assert grade_for(Decimal("59.99")) == "不合格"


@given(st.decimals(min_value=0, max_value=100, places=2))
def test_grades_are_monotonic_in_the_score(value):
    order = "ABCD"
    higher = min(value + Decimal("0.01"), Decimal(100))
    assert order.index(grade_for(higher)) <= order.index(grade_for(value))


@given(st.floats(min_value=0, max_value=100, allow_nan=False))
def test_to_cents_is_within_half_a_cent(value):
    assert abs(float(to_cents(value)) - value) <= 0.005 + 1e-9


def test_ranks_are_competition_ranks(city_user, make_round, make_person, evaluators):
    people = [make_person(n) for n in ("甲", "乙", "丙", "丁")]
    evaluation_round = make_round(people, evaluator_list=evaluators[:1])
    for person, points in zip(
        people, [(10, 10, 15), (10, 10, 20), (10, 10, 15), (0, 0, 0)], strict=True
    ):
        score(sheets_of(evaluation_round, person)[0], *points)
    results.round_close(actor=city_user, evaluation_round=evaluation_round)
    ranks = dict(
        RoundResult.objects.filter(round=evaluation_round).values_list("person__name", "rank")
    )
    assert ranks == {"乙": 1, "甲": 2, "丙": 2, "丁": 4}


def test_closing_freezes_sheets(city_user, make_round, make_person):
    person = make_person("张三")
    evaluation_round = make_round([person])
    sheet = sheets_of(evaluation_round, person)[0]
    results.round_close(actor=city_user, evaluation_round=evaluation_round)
    with pytest.raises(EvaluationError, match="不在评审中"):
        score(sheet, 1, 1, 1)
    with pytest.raises(EvaluationError, match="只有评审中的批次可以结束"):
        results.round_close(actor=city_user, evaluation_round=evaluation_round)


# --- removal proposals --------------------------------------------------------


def _d_graded(city_user, make_round, make_person, evaluators):
    person = make_person("张三")
    evaluation_round = make_round([person], evaluator_list=evaluators[:1])
    score(sheets_of(evaluation_round, person)[0], 5, 5, 5)  # 40 → D
    results.round_close(actor=city_user, evaluation_round=evaluation_round)
    return person, evaluation_round


def test_a_d_grade_proposes_removal_and_confirming_archives(
    city_user, make_round, make_person, evaluators
):
    person, evaluation_round = _d_graded(city_user, make_round, make_person, evaluators)
    proposal = RemovalProposal.objects.get(round=evaluation_round, person=person)
    assert proposal.status == RemovalProposal.Status.PROPOSED
    person.refresh_from_db()
    assert person.status == Person.Status.ACTIVE  # nothing archived automatically

    results.proposal_decide(
        actor=city_user, proposal=proposal, confirm=True, reason="连续两年评价不合格"
    )
    proposal.refresh_from_db()
    person.refresh_from_db()
    assert proposal.status == RemovalProposal.Status.CONFIRMED
    assert proposal.decided_by == city_user and proposal.reason == "连续两年评价不合格"
    assert person.status == Person.Status.ARCHIVED
    assert person.archived_reason == Person.ArchiveReason.GRADE_D
    assert "2026年度" in person.archived_note
    latest = person.history.order_by("-history_id").first()
    assert latest.history_change_reason.startswith("出库：综合评价D级")
    assert latest.history_user == city_user
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.ARCHIVE, object_id=str(person.pk)
    ).exists()
    with pytest.raises(EvaluationError, match="已经处理过"):
        results.proposal_decide(actor=city_user, proposal=proposal, confirm=False, reason="再议")


def test_rejecting_a_proposal_keeps_the_person(city_user, make_round, make_person, evaluators):
    person, evaluation_round = _d_graded(city_user, make_round, make_person, evaluators)
    proposal = RemovalProposal.objects.get(round=evaluation_round)
    with pytest.raises(EvaluationError, match="决定理由：请填写理由"):
        results.proposal_decide(actor=city_user, proposal=proposal, confirm=False, reason=" ")
    results.proposal_decide(
        actor=city_user, proposal=proposal, confirm=False, reason="评审人打分偏差大"
    )
    proposal.refresh_from_db()
    person.refresh_from_db()
    assert proposal.status == RemovalProposal.Status.REJECTED
    assert person.status == Person.Status.ACTIVE
    assert proposal.history.count() == 2


@given(st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=6))
def test_a_tree_is_accepted_exactly_when_weights_sum_to_100(weights):
    tree = [
        DimensionSpec(f"维度{n}", w, [IndicatorSpec("指标", Decimal(10))])
        for n, w in enumerate(weights)
    ]
    errors = systems.validate_tree(tree)
    assert (errors == []) == (sum(weights) == 100)


@given(
    st.lists(st.tuples(st.text(max_size=5), st.text(max_size=4), st.text(max_size=4)), max_size=4)
)
def test_the_tree_parser_never_crashes_and_keeps_what_was_typed(rows):
    from tongxin.evaluations.forms import parse_tree

    data = {}
    for n, (name, weight, max_points) in enumerate(rows):
        data |= {f"d-{n}-name": name, f"d-{n}-weight": weight}
        data |= {f"d-{n}-i-0-name": "指标", f"d-{n}-i-0-max": max_points, f"d-{n}-i-0-rubric": ""}
    specs, shown, errors = parse_tree(data)
    assert len(specs) == len(rows)
    assert [r.name for r in shown[: len(rows)]] == [name.strip() for name, _, _ in rows]
    if any(spec.weight is None for spec in specs):
        assert any("权重应为整数" in e for e in errors)
