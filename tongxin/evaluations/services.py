"""Every write of the evaluation app: validated, in one transaction, audited."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from statistics import fmean

from django.db import connection, transaction
from django.db.models import (
    Case,
    Exists,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.people.listing import PersonFilter, filtered_persons
from tongxin.people.models import Person
from tongxin.people.services import person_archive
from tongxin.regions.scope import subtree_of

from .grading import (
    grade_bands,
    grade_of,
    indicator_factors,
    lowest_grade,
    points_text,
    prepare_bands,
    sheet_total,
    to_cents,
)
from .models import (
    Dimension,
    EvaluationRound,
    EvaluationSheet,
    Indicator,
    IndicatorSystem,
    RemovalProposal,
    RoundPerson,
    RoundResult,
    Score,
)

BATCH = 5000


class EvaluationError(Exception):
    """A refused write; `messages` are Chinese sentences naming the field."""

    def __init__(self, messages: list[str] | str, *, fields: dict | None = None):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        self.fields = fields or {}
        super().__init__("；".join(self.messages))


# --- indicator systems --------------------------------------------------------


@dataclass
class IndicatorSpec:
    name: str
    max_points: Decimal
    rubric: str = ""


@dataclass
class DimensionSpec:
    name: str
    weight: int
    indicators: list[IndicatorSpec] = field(default_factory=list)


def validate_tree(dimensions: list[DimensionSpec], *, in_use: bool = True) -> list[str]:
    """Chinese messages for everything wrong with a system's tree; [] if it may be saved.

    The weights must total 100% only for a system put into use (a round, or
    启用): an office enters a four-dimension system over several sittings and
    should not need fake weights in between (issue 18).
    """
    errors = []
    if not dimensions:
        errors.append("至少需要一个评价维度。")
    names = set()
    for n, dimension in enumerate(dimensions, start=1):
        label = f"第{n}个维度“{dimension.name}”" if dimension.name else f"第{n}个维度"
        if not dimension.name:
            errors.append(f"{label}：请填写名称。")
        elif dimension.name in names:
            errors.append(f"{label}：名称重复。")
        names.add(dimension.name)
        if dimension.weight is None or not 1 <= dimension.weight <= 100:
            errors.append(f"{label}：权重应为 1 到 100 之间的整数。")
        if not dimension.indicators:
            errors.append(f"{label}：至少需要一个指标。")
        for m, indicator in enumerate(dimension.indicators, start=1):
            ilabel = f"{label}的第{m}个指标" + (f"“{indicator.name}”" if indicator.name else "")
            if not indicator.name:
                errors.append(f"{ilabel}：请填写名称。")
            if indicator.max_points is None or not Decimal(0) < indicator.max_points <= 1000:
                errors.append(f"{ilabel}：满分应为大于 0、不超过 1000 的数。")
            elif indicator.max_points != indicator.max_points.quantize(Decimal("0.1")):
                errors.append(f"{ilabel}：满分最多保留一位小数。")
    total = sum(d.weight or 0 for d in dimensions)
    if in_use and dimensions and total != 100:
        errors.append(f"各维度权重合计为 {total}%，必须等于 100%。")
    return errors


def weight_refusal(system: IndicatorSystem) -> str | None:
    """Why `system` cannot be put into use yet (weights not totalling 100%), or None."""
    total = sum(system.dimensions.values_list("weight", flat=True))
    if total != 100:
        return (
            f"指标体系“{system}”各维度权重合计为 {total}%，须等于 100% 才能用于评价；"
            "请先在“评价指标体系”中修改权重。"
        )
    return None


def tree_of(system: IndicatorSystem) -> list[DimensionSpec]:
    return [
        DimensionSpec(
            d.name,
            d.weight,
            [IndicatorSpec(i.name, i.max_points, i.rubric) for i in d.indicators.all()],
        )
        for d in system.dimensions.prefetch_related("indicators")
    ]


def system_is_used(system: IndicatorSystem) -> bool:
    return EvaluationRound.objects.filter(system=system).exists()


def _write_tree(system: IndicatorSystem, dimensions: list[DimensionSpec]) -> None:
    for n, spec in enumerate(dimensions, start=1):
        dimension = Dimension.objects.create(
            system=system, name=spec.name, weight=spec.weight, sort_order=n
        )
        for m, ispec in enumerate(spec.indicators, start=1):
            Indicator.objects.create(
                dimension=dimension,
                name=ispec.name,
                max_points=ispec.max_points,
                rubric=ispec.rubric,
                sort_order=m,
            )


def _tree_summary(dimensions: list[DimensionSpec]) -> list:
    return [
        {
            "维度": d.name,
            "权重": d.weight,
            "指标": [f"{i.name}（{i.max_points}分）" for i in d.indicators],
        }
        for d in dimensions
    ]


@transaction.atomic
def indicator_system_save(
    *,
    actor,
    system: IndicatorSystem | None,
    name: str,
    region,
    groups,
    dimensions: list[DimensionSpec],
    request=None,
) -> IndicatorSystem:
    """Create a system, or change one.

    A system some round has used is never changed in place: the change goes
    into a new version (a copy, linked through `copied_from`) and the old
    version is retired, so the rounds that used it keep their meaning.
    """
    # A system some round used becomes a new version in use at once.
    in_use = system is not None and system_is_used(system)
    errors = validate_tree(dimensions, in_use=in_use)
    if not name.strip():
        errors.insert(0, "名称：请填写指标体系名称。")
    if errors:
        raise EvaluationError(errors)
    name = name.strip()
    if system is None:
        system = IndicatorSystem(name=name, region=region, version=1, created_by=actor)
        system._history_user = actor
        system.save(force_insert=True)
        system.groups.set(groups)
        _write_tree(system, dimensions)
        audit_log(
            action=AuditEntry.Action.CREATE,
            user=actor,
            request=request,
            obj=system,
            changes={"名称": name, "结构": _tree_summary(dimensions)},
        )
        return system

    current = IndicatorSystem.objects.select_for_update().get(pk=system.pk)
    if current.later_versions.exists():
        raise EvaluationError("该指标体系已有更新的版本，请修改最新版本。")
    if system_is_used(current):
        new = IndicatorSystem(
            name=name,
            region=region,
            version=current.version + 1,
            copied_from=current,
            is_active=True,
            created_by=actor,
        )
        new._history_user = actor
        new.save(force_insert=True)
        new.groups.set(groups)
        _write_tree(new, dimensions)
        if current.is_active:
            current.is_active = False
            current._history_user = actor
            current._change_reason = f"已被第{new.version}版取代"
            current.save(update_fields=["is_active", "updated_at"])
        audit_log(
            action=AuditEntry.Action.CREATE,
            user=actor,
            request=request,
            obj=new,
            changes={
                "说明": f"第{current.version}版已被评价批次使用，修改保存为第{new.version}版",
                "结构": _tree_summary(dimensions),
            },
        )
        return new

    # Never used: nothing refers to its indicators yet, so the tree is rewritten.
    before = _tree_summary(tree_of(current))
    current.dimensions.all().delete()
    current.name = name
    current.region = region
    current._history_user = actor
    current.save(update_fields=["name", "region", "updated_at"])
    current.groups.set(groups)
    _write_tree(current, dimensions)
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=request,
        obj=current,
        changes={"结构": [before, _tree_summary(dimensions)], "名称": name},
    )
    return current


@transaction.atomic
def indicator_system_set_active(
    *, actor, system: IndicatorSystem, active: bool, request=None
) -> IndicatorSystem:
    current = IndicatorSystem.objects.select_for_update().get(pk=system.pk)
    if active:
        if current.later_versions.exists():
            raise EvaluationError("该版本已被更新的版本取代，不能启用。")
        errors = validate_tree(tree_of(current))
        if errors:
            raise EvaluationError(errors)
    if current.is_active == active:
        return current
    current.is_active = active
    current._history_user = actor
    current.save(update_fields=["is_active", "updated_at"])
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=request,
        obj=current,
        changes={"启用": [not active, active]},
    )
    return current


# --- rounds -------------------------------------------------------------------


def systems_usable_for(region) -> QuerySet[IndicatorSystem]:
    """Active systems a round of `region` may use: city-wide ones and the region's own."""
    condition = Q(region__isnull=True)
    if region is not None:
        condition |= Q(region=region)
    return IndicatorSystem.objects.filter(condition, is_active=True)


def round_persons_queryset(
    *, persons: QuerySet, region, system: IndicatorSystem | None
) -> QuerySet:
    """The active persons of `persons` a round of `region` using `system` may hold.

    `region` or `system` None (not chosen yet, on the new-round form's preview)
    leaves out its restriction.
    """
    qs = persons.filter(status=Person.Status.ACTIVE)
    if region is not None:
        # A round of a node holds the persons of its subtree: a city's round
        # its counties' persons, never another city's.
        qs = subtree_of(region).filter(qs)
    group_ids = list(system.groups.values_list("id", flat=True)) if system is not None else []
    if group_ids:
        qs = qs.filter(group_id__in=group_ids)
    return qs


def round_candidates(
    *, user, person_filter: PersonFilter, region, system: IndicatorSystem | None
) -> QuerySet:
    """The persons `user` may put in a round of `region` using `system`, chosen by `person_filter`.

    The one query path behind the new-round form's preview count, round
    creation and adding persons to a draft round: the person list's filter
    (filtered_persons, so only persons the user may see), then the round's rules.
    """
    persons, _ = filtered_persons(user, person_filter)
    return round_persons_queryset(persons=persons, region=region, system=system)


def persons_not_in_round(persons: QuerySet, evaluation_round: EvaluationRound) -> QuerySet:
    return persons.exclude(
        Exists(RoundPerson.objects.filter(round=evaluation_round, person=OuterRef("pk")))
    )


def _add_round_persons(evaluation_round: EvaluationRound, person_ids: list[int]) -> None:
    RoundPerson.objects.bulk_create(
        (RoundPerson(round=evaluation_round, person_id=pk) for pk in person_ids),
        batch_size=BATCH,
    )


@transaction.atomic
def round_create(
    *,
    actor,
    name: str,
    region,
    system: IndicatorSystem,
    persons: QuerySet,
    evaluators,
    deadline: datetime.date,
    person_filter: dict | None = None,
    request=None,
) -> EvaluationRound:
    """A draft round holding the active persons of `persons` (already access-checked)."""
    errors = []
    if not name.strip():
        errors.append("批次名称：请填写。")
    if not systems_usable_for(region).filter(pk=system.pk).exists():
        errors.append("指标体系：该体系未启用，或不适用于所选区域。")
    elif refusal := weight_refusal(system):
        errors.append(refusal)
    evaluators = list(evaluators)
    if not evaluators:
        errors.append("评审人：至少选择一名评审人。")
    person_ids = list(
        round_persons_queryset(persons=persons, region=region, system=system)
        .order_by("id")
        .values_list("id", flat=True)
    )
    if not person_ids:
        errors.append("参评人员：按所选条件没有可参评的在库人员。")
    if errors:
        raise EvaluationError(errors)
    evaluation_round = EvaluationRound(
        name=name.strip(),
        region=region,
        system=system,
        deadline=deadline,
        person_filter=person_filter or {},
        created_by=actor,
    )
    evaluation_round._history_user = actor
    evaluation_round.save(force_insert=True)
    evaluation_round.evaluators.set(evaluators)
    _add_round_persons(evaluation_round, person_ids)
    audit_log(
        action=AuditEntry.Action.CREATE,
        user=actor,
        request=request,
        obj=evaluation_round,
        changes={
            "指标体系": str(system),
            "参评人数": len(person_ids),
            "评审人": "、".join(str(u) for u in evaluators),
            "截止日期": deadline.isoformat(),
            "选人条件": _filter_text(person_filter),
        },
    )
    return evaluation_round


def _locked_round(evaluation_round: EvaluationRound) -> EvaluationRound:
    return (
        EvaluationRound.objects.select_for_update()
        .select_related("system", "region")
        .get(pk=evaluation_round.pk)
    )


@transaction.atomic
def round_open(*, actor, evaluation_round: EvaluationRound, request=None) -> EvaluationRound:
    """Start scoring: one sheet per person and evaluator."""
    current = _locked_round(evaluation_round)
    if current.status != EvaluationRound.Status.DRAFT:
        raise EvaluationError("只有草稿状态的批次可以开始评审。")
    # One INSERT … SELECT: persons × evaluators, without a Python object per sheet.
    sheet_table = EvaluationSheet._meta.db_table
    evaluators_table = EvaluationRound.evaluators.through._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {sheet_table} (round_id, person_id, evaluator_id, status, updated_at) "
            f"SELECT rp.round_id, rp.person_id, ev.user_id, %s, %s "
            f"FROM {RoundPerson._meta.db_table} rp, {evaluators_table} ev "
            f"WHERE rp.round_id = %s AND ev.evaluationround_id = %s",
            [EvaluationSheet.Status.DRAFT, timezone.now(), current.pk, current.pk],
        )
    current.status = EvaluationRound.Status.OPEN
    current.opened_at = timezone.now()
    current._history_user = actor
    current.save(update_fields=["status", "opened_at"])
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=request,
        obj=current,
        changes={"状态": ["草稿", "评审中"]},
    )
    return current


# --- editing a draft round -------------------------------------------------------
#
# A draft has no sheets yet: round_open makes one per person × evaluator, so the
# persons and evaluators added here get their sheets exactly as the first ones do.
# Scores are never dropped: whoever has scored, or been scored, stays in the round.

_NOT_DRAFT = {
    EvaluationRound.Status.OPEN: "该批次已开始评审",
    EvaluationRound.Status.CLOSED: "该批次已结束",
}


def draft_refusal(evaluation_round: EvaluationRound, doing: str) -> str | None:
    """The Chinese refusal of `doing` (“添加参评人员”) on a round no longer in draft, else None."""
    if evaluation_round.status == EvaluationRound.Status.DRAFT:
        return None
    return f"{_NOT_DRAFT[evaluation_round.status]}，不能再{doing}；只有草稿状态的批次可以修改。"


def _require_draft(evaluation_round: EvaluationRound, doing: str) -> None:
    refusal = draft_refusal(evaluation_round, doing)
    if refusal:
        raise EvaluationError(refusal)


def _scored_sheets(evaluation_round: EvaluationRound) -> QuerySet[EvaluationSheet]:
    """Sheets holding an evaluator's work: submitted, or with a saved score."""
    return EvaluationSheet.objects.filter(
        Q(status=EvaluationSheet.Status.SUBMITTED)
        | Exists(Score.objects.filter(sheet=OuterRef("pk"))),
        round=evaluation_round,
    )


def _names(items, limit: int = 20) -> str:
    names = [str(item) for item in items]
    more = f"等 {len(names)} 人" if len(names) > limit else ""
    return "、".join(names[:limit]) + more


@transaction.atomic
def round_update(
    *,
    actor,
    evaluation_round: EvaluationRound,
    name: str,
    deadline: datetime.date,
    system: IndicatorSystem,
    request=None,
) -> EvaluationRound:
    """Change a draft round's name, deadline or indicator system.

    The system may change only while no sheet is scored, to one the round's
    region may use, and only if it admits every person already in the round.
    """
    current = _locked_round(evaluation_round)
    _require_draft(current, "修改批次信息")
    errors = []
    name = name.strip()
    if not name:
        errors.append("批次名称：请填写。")
    if system.pk != current.system_id:
        if _scored_sheets(current).exists():
            errors.append("指标体系：已有评审人评分，不能更换指标体系。")
        elif not systems_usable_for(current.region).filter(pk=system.pk).exists():
            errors.append("指标体系：该体系未启用，或不适用于本批次的区域。")
        elif refusal := weight_refusal(system):
            errors.append(refusal)
        else:
            group_ids = list(system.groups.values_list("id", flat=True))
            if group_ids:
                outside = (
                    current.persons.exclude(group_id__in=group_ids)
                    .order_by("name_pinyin", "id")
                    .values_list("name", flat=True)
                )
                if outside:
                    groups = "、".join(system.groups.values_list("name", flat=True))
                    errors.append(
                        f"指标体系：“{system}”只适用于{groups}，本批次中"
                        f"{_names(outside)}不属于这些类别，请先移出或选择其他指标体系。"
                    )
    if errors:
        raise EvaluationError(errors)
    changes = {}
    if name != current.name:
        changes["批次名称"] = [current.name, name]
    if deadline != current.deadline:
        changes["截止日期"] = [current.deadline.isoformat(), deadline.isoformat()]
    if system.pk != current.system_id:
        changes["指标体系"] = [str(current.system), str(system)]
    if not changes:
        return current
    current.name, current.deadline, current.system = name, deadline, system
    current._history_user = actor
    current.save(update_fields=["name", "deadline", "system"])
    audit_log(
        action=AuditEntry.Action.UPDATE, user=actor, request=request, obj=current, changes=changes
    )
    return current


@transaction.atomic
def round_persons_add(
    *,
    actor,
    evaluation_round: EvaluationRound,
    persons: QuerySet,
    person_filter: dict | None = None,
    request=None,
) -> int:
    """Add to a draft round the persons of `persons` (already access-checked) it may hold.

    Persons already in the round are skipped; the rules are round creation's
    (round_persons_queryset). Returns how many were added.
    """
    current = _locked_round(evaluation_round)
    _require_draft(current, "添加参评人员")
    new = persons_not_in_round(
        round_persons_queryset(persons=persons, region=current.region, system=current.system),
        current,
    ).order_by("name_pinyin", "id")
    added = list(new.values_list("id", "name"))
    if not added:
        raise EvaluationError(
            "参评人员：按所选条件没有可新增的在库人员（已在本批次的人员不会重复加入）。"
        )
    before = RoundPerson.objects.filter(round=current).count()
    _add_round_persons(current, [pk for pk, _ in added])
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=request,
        obj=current,
        changes={
            "新增参评人员": _names(name for _, name in added),
            "参评人数": [before, before + len(added)],
            "选人条件": _filter_text(person_filter),
        },
    )
    return len(added)


@transaction.atomic
def round_person_remove(
    *, actor, evaluation_round: EvaluationRound, person: Person, request=None
) -> EvaluationRound:
    """Take a person out of a draft round; never one whose sheets hold scores."""
    current = _locked_round(evaluation_round)
    scored = _scored_sheets(current).filter(person=person).select_related("evaluator")
    if scored:
        raise EvaluationError(
            f"{person.name}已有评审人评分（{_names(str(s.evaluator) for s in scored)}），"
            "不能移出本批次，否则评分将丢失。"
        )
    _require_draft(current, "移出参评人员")
    link = RoundPerson.objects.filter(round=current, person=person)
    if not link.exists():
        raise EvaluationError(f"{person.name}不在本批次中。")
    before = RoundPerson.objects.filter(round=current).count()
    if before == 1:
        raise EvaluationError("参评人员：本批次至少保留一名参评人员。")
    link.delete()
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=request,
        obj=current,
        changes={"移出参评人员": person.name, "参评人数": [before, before - 1]},
    )
    return current


@transaction.atomic
def round_evaluators_add(
    *, actor, evaluation_round: EvaluationRound, evaluators, request=None
) -> EvaluationRound:
    """Add evaluators to a draft round (the caller checked the user may choose them)."""
    current = _locked_round(evaluation_round)
    _require_draft(current, "添加评审人")
    present = set(current.evaluators.values_list("id", flat=True))
    new = [e for e in evaluators if e.pk not in present]
    if not new:
        raise EvaluationError("评审人：请选择尚未在本批次中的评审人。")
    current.evaluators.add(*new)
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=request,
        obj=current,
        changes={
            "新增评审人": _names(str(e) for e in new),
            "评审人数": [len(present), len(present) + len(new)],
        },
    )
    return current


@transaction.atomic
def round_evaluator_remove(
    *, actor, evaluation_round: EvaluationRound, evaluator, request=None
) -> EvaluationRound:
    """Take an evaluator off a draft round; never one who has scored anything."""
    current = _locked_round(evaluation_round)
    scored = _scored_sheets(current).filter(evaluator=evaluator).count()
    if scored:
        raise EvaluationError(f"评审人{evaluator}已评分 {scored} 份，不能移除，否则其评分将丢失。")
    _require_draft(current, "移除评审人")
    present = set(current.evaluators.values_list("id", flat=True))
    if evaluator.pk not in present:
        raise EvaluationError(f"{evaluator}不是本批次的评审人。")
    if len(present) == 1:
        raise EvaluationError("评审人：本批次至少保留一名评审人。")
    current.evaluators.remove(evaluator)
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=request,
        obj=current,
        changes={
            "移除评审人": str(evaluator),
            "评审人数": [len(present), len(present) - 1],
        },
    )
    return current


def system_with_tree(system_id: int) -> IndicatorSystem:
    return IndicatorSystem.objects.prefetch_related(
        Prefetch("dimensions", queryset=Dimension.objects.prefetch_related("indicators"))
    ).get(pk=system_id)


def _parse_points(raw) -> Decimal | None:
    if raw is None:
        return None
    if isinstance(raw, Decimal):
        return raw
    text = str(raw).strip()
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError from None


@transaction.atomic
def sheet_save(
    *,
    actor,
    sheet: EvaluationSheet,
    entries: dict[int, tuple],
    submit: bool = False,
    request=None,
) -> EvaluationSheet:
    """Save an evaluator's scores (draft), or save and submit them.

    `entries` maps indicator id → (points as text/Decimal/None, note). Every
    point must lie in 0..max; submitting needs every indicator scored. A
    refused save changes nothing and names each wrong indicator.
    """
    current = (
        EvaluationSheet.objects.select_for_update()
        .select_related("round", "person")
        .get(pk=sheet.pk)
    )
    if current.evaluator_id != actor.pk:
        raise EvaluationError("只能填写分配给自己的评分表。")
    if current.round.status != EvaluationRound.Status.OPEN:
        raise EvaluationError("该批次不在评审中，评分表不能修改。")
    if current.is_submitted:
        raise EvaluationError("评分表已提交，不能再修改。")
    system = system_with_tree(current.round.system_id)
    indicators = [i for d in system.dimensions.all() for i in d.indicators.all()]
    errors: dict[int, str] = {}
    values: dict[int, tuple[Decimal | None, str]] = {}
    for indicator in indicators:
        raw_points, note = entries.get(indicator.pk, (None, ""))
        note = (note or "").strip()
        try:
            points = _parse_points(raw_points)
        except ValueError:
            errors[indicator.pk] = f"“{indicator.name}”的得分应为数字。"
            continue
        if points is not None:
            if points < 0:
                errors[indicator.pk] = f"“{indicator.name}”的得分不能小于 0。"
            elif points > indicator.max_points:
                errors[indicator.pk] = (
                    f"“{indicator.name}”的得分不能超过满分 {points_text(indicator.max_points)} 分。"
                )
            elif points != points.quantize(Decimal("0.1")):
                errors[indicator.pk] = f"“{indicator.name}”的得分最多保留一位小数。"
        elif submit:
            errors[indicator.pk] = f"“{indicator.name}”尚未评分，提交前须全部评分。"
        elif note:  # saved without points it would be dropped (a score row holds both)
            errors[indicator.pk] = f"“{indicator.name}”填写了评分说明但未评分，请先评分。"
        if len(note) > 500:
            errors[indicator.pk] = f"“{indicator.name}”的评分说明不能超过 500 字。"
        values[indicator.pk] = (points, note)
    if errors:
        raise EvaluationError(list(errors.values()), fields=errors)

    existing = {s.indicator_id: s for s in Score.objects.filter(sheet=current)}
    to_create, to_update, to_drop = [], [], []
    for indicator_id, (points, note) in values.items():
        score = existing.get(indicator_id)
        if points is None:
            if score is not None:
                to_drop.append(score.pk)  # a cleared draft entry
            continue
        if score is None:
            to_create.append(
                Score(sheet=current, indicator_id=indicator_id, points=points, note=note)
            )
        elif score.points != points or score.note != note:
            score.points, score.note = points, note
            to_update.append(score)
    Score.objects.bulk_create(to_create)
    Score.objects.bulk_update(to_update, ["points", "note"])
    Score.objects.filter(pk__in=to_drop).delete()

    update_fields = ["updated_at"]
    if submit:
        factors = indicator_factors(system.dimensions.all())
        current.total = sheet_total({i: p for i, (p, _) in values.items()}, factors)
        current.status = EvaluationSheet.Status.SUBMITTED
        current.submitted_at = timezone.now()
        update_fields += ["total", "status", "submitted_at"]
    current._history_user = actor
    current._change_reason = "提交评分" if submit else "保存草稿"
    current.save(update_fields=update_fields)
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=request,
        obj=current,
        region=current.round.region,
        object_repr=f"{current.round.name} · {current.person.name} 评分表",
        changes={
            "操作": "提交" if submit else "保存草稿",
            "得分": {str(i): str(p) for i, (p, _) in values.items() if p is not None},
            **({"折合得分": str(current.total)} if submit else {}),
        },
    )
    return current


@transaction.atomic
def sheets_save_grid(
    *,
    actor,
    evaluation_round: EvaluationRound,
    points: dict[int, dict[int, str]],
    notes: dict[int, dict[int, str]] | None = None,
    submit_complete: bool = False,
    request=None,
) -> tuple[int, int]:
    """Save the evaluator's grid of persons × indicators in one step.

    `points` maps sheet id → {indicator id: points as typed}; `notes` the
    same for each cell's 评分说明 (a cell missing from it keeps its stored
    note). Only the actor's own sheets that are not submitted and whose
    points or notes changed are saved (each through sheet_save); with
    `submit_complete`, those with every indicator scored are submitted too.
    All or nothing: any wrong cell refuses the whole grid, and the error
    names the person and the indicator. Returns (saved, submitted).
    """
    sheets = (
        EvaluationSheet.objects.filter(round=evaluation_round, evaluator=actor, pk__in=points)
        .exclude(status=EvaluationSheet.Status.SUBMITTED)
        .select_related("person")
        .order_by("person__name_pinyin", "id")
    )
    stored: dict[int, dict[int, Score]] = defaultdict(dict)
    for score in Score.objects.filter(sheet__in=sheets):
        stored[score.sheet_id][score.indicator_id] = score
    errors: dict[tuple[int, int], str] = {}
    saved = submitted = 0
    for sheet in sheets:
        typed = {i: (v or "").strip() for i, v in points[sheet.pk].items()}
        complete = bool(typed) and all(typed.values())
        kept = stored[sheet.pk]
        before = {i: (points_text(s.points), s.note) for i, s in kept.items()}
        # A cell whose note box was not sent keeps its stored note.
        typed_notes = {i: before.get(i, ("", ""))[1] for i in typed}
        typed_notes |= {i: (n or "").strip() for i, n in (notes or {}).get(sheet.pk, {}).items()}
        entries = {i: (v, typed_notes[i]) for i, v in typed.items()}
        changed = any(before.get(i, ("", "")) != entry for i, entry in entries.items())
        submit = submit_complete and complete
        if not changed and not submit:
            continue
        try:
            with transaction.atomic():
                sheet_save(
                    actor=actor, sheet=sheet, entries=entries, submit=submit, request=request
                )
        except EvaluationError as error:
            for indicator_id, message in error.fields.items():
                errors[(sheet.pk, indicator_id)] = f"{sheet.person.name}：{message}"
            if not error.fields:
                errors[(sheet.pk, 0)] = f"{sheet.person.name}：{error.messages[0]}"
            continue
        saved += 1
        submitted += submit
    if errors:
        raise EvaluationError(list(errors.values()), fields=errors)
    return saved, submitted


def sheet_totals_of_round(evaluation_round: EvaluationRound) -> list[tuple[int, int, float]]:
    """(sheet id, person id, normalised total) of every submitted sheet, summed in SQL."""
    system = system_with_tree(evaluation_round.system_id)
    factors = indicator_factors(system.dimensions.all())
    if not factors:
        return []
    factor = Case(
        *[When(indicator_id=pk, then=Value(f)) for pk, f in factors.items()],
        default=Value(0.0),
        output_field=FloatField(),
    )
    submitted = EvaluationSheet.objects.filter(
        round=evaluation_round, status=EvaluationSheet.Status.SUBMITTED
    )
    person_of_sheet = dict(submitted.values_list("id", "person_id"))
    # Summed from the covering (sheet, indicator, points) index, without touching sheets.
    rows = (
        Score.objects.filter(sheet_id__in=submitted.values("id"))
        .values("sheet_id")
        .annotate(total=Sum(Cast("points", FloatField()) * factor))
        .order_by()
        .values_list("sheet_id", "total")
    )
    return [(sheet_id, person_of_sheet[sheet_id], total) for sheet_id, total in rows]


@dataclass
class PersonAggregate:
    person_id: int
    score: Decimal | None
    min_score: Decimal | None
    max_score: Decimal | None
    n_evaluators: int
    n_missing: int
    grade: str = ""
    rank: int | None = None


def aggregate_round(
    evaluation_round: EvaluationRound, bands: list[list] | None = None
) -> list[PersonAggregate]:
    """Each person's mean over the evaluators who submitted, spread, grade and rank.

    Evaluators who never submitted are left out of the mean and counted as
    missing. Ranks are competition ranks (1, 2, 2, 4); persons nobody scored
    get no score, grade or rank.
    """
    prepared = prepare_bands(bands)
    per_person: dict[int, list[float]] = defaultdict(list)
    for _sheet_id, person_id, total in sheet_totals_of_round(evaluation_round):
        per_person[person_id].append(to_cents(total))
    n_assigned = evaluation_round.evaluators.count()
    results = []
    person_ids = RoundPerson.objects.filter(round=evaluation_round).values_list(
        "person_id", flat=True
    )
    for person_id in person_ids.iterator():
        totals = per_person.get(person_id, [])
        if totals:
            score = to_cents(fmean(float(t) for t in totals))
            aggregate = PersonAggregate(
                person_id,
                score,
                min(totals),
                max(totals),
                len(totals),
                max(n_assigned - len(totals), 0),
                grade_of(score, prepared),
            )
        else:
            aggregate = PersonAggregate(person_id, None, None, None, 0, n_assigned)
        results.append(aggregate)
    ranked = sorted((r for r in results if r.score is not None), key=lambda r: -r.score)
    previous, previous_rank = None, 0
    for position, result in enumerate(ranked, start=1):
        if result.score != previous:
            previous, previous_rank = result.score, position
        result.rank = previous_rank
    return results


_RESULT_COLUMNS = [
    ("round_id", "bigint"),
    ("person_id", "bigint"),
    ("score", "numeric"),
    ("min_score", "numeric"),
    ("max_score", "numeric"),
    ("n_evaluators", "integer"),
    ("n_missing", "integer"),
    ("grade", "text"),
    ("rank", "integer"),
]


def _insert_results(evaluation_round: EvaluationRound, aggregates: list[PersonAggregate]) -> None:
    """Store the frozen results in as few statements as each database allows.

    bulk_create spends seconds turning 10,000 rows of decimals into SQL, and
    psycopg's client-side cursor spends seconds splitting a 9,000-placeholder
    VALUES list (bench_evaluation.py). SQLite's executemany is native; on
    PostgreSQL one INSERT … SELECT FROM unnest(arrays) takes nine parameters.
    """
    table = RoundResult._meta.db_table
    names = ", ".join(connection.ops.quote_name(c) for c, _ in _RESULT_COLUMNS)
    rows = [
        (
            evaluation_round.pk,
            a.person_id,
            a.score,
            a.min_score,
            a.max_score,
            a.n_evaluators,
            a.n_missing,
            a.grade,
            a.rank,
        )
        for a in aggregates
    ]
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{kind}[]" for _, kind in _RESULT_COLUMNS)
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays})",
                [list(column) for column in zip(*rows, strict=True)],
            )
        else:
            placeholders = ", ".join(["%s"] * len(_RESULT_COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)


@transaction.atomic
def round_close(
    *,
    actor,
    evaluation_round: EvaluationRound,
    confirmed_unsubmitted: int | None = None,
    request=None,
) -> EvaluationRound:
    """Freeze the results (RoundResult) and propose removal for every lowest grade.

    Nothing is archived here: each proposal waits for a person's decision.
    Sheets not submitted do not count; a person closing the round (the view
    always passes `confirmed_unsubmitted`) must have confirmed exactly how
    many, so a sheet that was still open when the page was drawn is not
    dropped unseen. None: a caller without a person (the demo) does not ask.
    """
    current = _locked_round(evaluation_round)
    if current.status != EvaluationRound.Status.OPEN:
        raise EvaluationError("只有评审中的批次可以结束。")
    if confirmed_unsubmitted is not None:
        unsubmitted = (
            EvaluationSheet.objects.filter(round=current)
            .exclude(status=EvaluationSheet.Status.SUBMITTED)
            .count()
        )
        if unsubmitted and confirmed_unsubmitted != unsubmitted:
            raise EvaluationError(
                f"还有 {unsubmitted} 份评分表未提交，未提交的评分不计入结果；"
                "确需结束，请勾选确认后再结束评审。"
            )
    bands = grade_bands()
    aggregates = aggregate_round(current, bands)
    _insert_results(current, aggregates)
    failing = lowest_grade(bands)
    proposals = [
        RemovalProposal(round=current, person_id=person_id, result_id=result_id)
        for result_id, person_id in RoundResult.objects.filter(round=current, grade=failing)
        .order_by("id")
        .values_list("id", "person_id")
    ]
    if proposals:
        bulk_create_with_history(
            proposals,
            RemovalProposal,
            batch_size=BATCH,
            default_user=actor,
            default_change_reason=f"{current.name}综合评价{failing}级",
        )
    current.status = EvaluationRound.Status.CLOSED
    current.closed_at = timezone.now()
    current.closed_by = actor
    current.grade_bands = bands
    current._history_user = actor
    current.save(update_fields=["status", "closed_at", "closed_by", "grade_bands"])
    distribution: dict[str, int] = defaultdict(int)
    for a in aggregates:
        distribution[a.grade or "无评分"] += 1
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=request,
        obj=current,
        changes={
            "状态": ["评审中", "已结束"],
            "参评人数": len(aggregates),
            "等次分布": dict(distribution),
            "出库建议": len(proposals),
        },
    )
    return current


# --- removal proposals --------------------------------------------------------


@transaction.atomic
def proposal_decide(
    *,
    actor,
    proposal: RemovalProposal,
    confirm: bool,
    reason: str,
    on_date: datetime.date | None = None,
    request=None,
) -> RemovalProposal:
    """Confirm (archive the person, reason 综合评价D级) or reject a removal proposal."""
    current = (
        RemovalProposal.objects.select_for_update()
        .select_related("round", "person")
        .get(pk=proposal.pk)
    )
    reason = (reason or "").strip()
    if not reason:
        raise EvaluationError("决定理由：请填写理由。")
    if len(reason) > 500:
        raise EvaluationError("决定理由：不能超过 500 字。")
    if current.status != RemovalProposal.Status.PROPOSED:
        raise EvaluationError("该出库建议已经处理过。")
    if confirm:
        try:
            person_archive(
                actor=actor,
                person=current.person,
                reason=Person.ArchiveReason.GRADE_D,
                on_date=on_date or timezone.localdate(),
                note=f"{current.round.name}综合评价（出库建议{current.pk}号）：{reason}"[:200],
                request=request,
            )
        except ValueError as error:
            raise EvaluationError(f"不能出库：{error}。") from None
    current.status = (
        RemovalProposal.Status.CONFIRMED if confirm else RemovalProposal.Status.REJECTED
    )
    current.reason = reason
    current.decided_by = actor
    current.decided_at = timezone.now()
    current._history_user = actor
    current.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=request,
        obj=current,
        region=current.person.region,
        object_repr=f"{current.round.name}出库建议：{current.person.name}",
        changes={"决定": current.get_status_display(), "理由": reason},
    )
    return current


def round_results_export(*, actor, evaluation_round: EvaluationRound, request=None) -> bytes:
    """The closed round's results as xlsx; the export is logged."""
    from .export import results_xlsx

    if not evaluation_round.is_closed:
        raise EvaluationError("批次结束后才能导出结果。")
    content = results_xlsx(evaluation_round)
    audit_log(
        action=AuditEntry.Action.EXPORT,
        user=actor,
        request=request,
        obj=evaluation_round,
        changes={"内容": "评价结果", "格式": "xlsx"},
    )
    return content


def _filter_text(person_filter: dict | None) -> str:
    """The person-list filter a round's persons were chosen by, as words."""
    return PersonFilter.from_query(person_filter or {}).description()
