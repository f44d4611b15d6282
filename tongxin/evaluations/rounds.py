"""Evaluation rounds (评价批次): created, opened, and edited while in draft."""

import datetime

from django.db import connection, transaction
from django.db.models import (
    Exists,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core import writes
from tongxin.people.listing import PersonFilter, filtered_persons
from tongxin.people.models import Person
from tongxin.regions.scope import subtree_of

from .errors import EvaluationError
from .models import (
    EvaluationRound,
    EvaluationSheet,
    IndicatorSystem,
    RoundPerson,
    Score,
)
from .systems import systems_usable_for, weight_refusal

BATCH = 5000


# --- rounds -------------------------------------------------------------------


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

    def fill() -> None:
        evaluation_round.evaluators.set(evaluators)
        _add_round_persons(evaluation_round, person_ids)

    return writes.create_audited(
        evaluation_round,
        actor=actor,
        changes={
            "指标体系": str(system),
            "参评人数": len(person_ids),
            "评审人": "、".join(str(u) for u in evaluators),
            "截止日期": deadline.isoformat(),
            "选人条件": _filter_text(person_filter),
        },
        request=request,
        before_audit=fill,
    )


def locked_round(evaluation_round: EvaluationRound) -> EvaluationRound:
    return writes.lock(
        EvaluationRound.objects.select_related("system", "region"), evaluation_round.pk
    )


@transaction.atomic
def round_open(*, actor, evaluation_round: EvaluationRound, request=None) -> EvaluationRound:
    """Start scoring: one sheet per person and evaluator."""
    current = locked_round(evaluation_round)
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
    return writes.save_audited(
        current,
        actor=actor,
        fields=["status", "opened_at"],
        action=AuditEntry.Action.UPDATE,
        changes={"状态": ["草稿", "评审中"]},
        request=request,
    )


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
    current = locked_round(evaluation_round)
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
    return writes.save_audited(
        current,
        actor=actor,
        fields=["name", "deadline", "system"],
        action=AuditEntry.Action.UPDATE,
        changes=changes,
        request=request,
    )


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
    current = locked_round(evaluation_round)
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
    current = locked_round(evaluation_round)
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
    current = locked_round(evaluation_round)
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
    current = locked_round(evaluation_round)
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


def _filter_text(person_filter: dict | None) -> str:
    """The person-list filter a round's persons were chosen by, as words."""
    return PersonFilter.from_query(person_filter or {}).description()
