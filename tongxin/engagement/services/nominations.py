"""Nominations: creation with its first stage, and moving through the stages."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.core.templatetags.tongxin import cn_date
from tongxin.core.writes import lock, save_audited

from ..models import (
    NEXT_STAGE,
    Nomination,
    NominationStage,
    Position,
)
from .records import record_create

# --- nominations -----------------------------------------------------------------------


@transaction.atomic
def nomination_create(
    *, actor, data: dict, on_date: datetime.date, notes: str = "", request=None
) -> Nomination:
    """A recommendation: the nomination and its first stage (推荐)."""
    _refuse_future_stage(Nomination.Stage.RECOMMENDED, on_date)
    nomination = record_create(actor=actor, model=Nomination, data=data, request=request,
                               reason="推荐")  # fmt: skip
    NominationStage.objects.create(
        nomination=nomination,
        stage=Nomination.Stage.RECOMMENDED,
        date=on_date,
        responsible_unit=nomination.recommending_unit,
        notes=notes,
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    return nomination


def _refuse_future_stage(stage: str, on_date: datetime.date) -> None:
    # A stage records what has happened: a planned inspection is not one yet,
    # and a future 任职 would start a position nobody holds.
    if on_date > timezone.localdate():
        label = Nomination.Stage(stage).label
        raise ValidationError({"on_date": f"{label}日期不能晚于今天。"})


def stage_error(nomination: Nomination, stage: str) -> str | None:
    """Why `nomination` may not move to `stage`, or None if it may."""
    Stage = Nomination.Stage
    label = Stage(stage).label if stage in Stage.values else stage
    if nomination.is_cancelled:
        return "该提名已撤销。"
    if not nomination.is_open:
        return f"该提名已于“{nomination.get_stage_display()}”阶段结束，不能再变更。"
    if stage == Stage.REJECTED:
        return None
    expected = NEXT_STAGE[nomination.stage]
    if stage != expected:
        return (
            f"不能从“{nomination.get_stage_display()}”直接进入“{label}”，"
            f"下一阶段应为“{expected.label}”（或“未通过”）。"
        )
    return None


@transaction.atomic
def nomination_advance(
    *,
    actor,
    nomination: Nomination,
    stage: str,
    on_date: datetime.date,
    responsible_unit: str = "",
    notes: str = "",
    outcome: str = "",
    request=None,
) -> Nomination:
    """Record the next stage. Reaching 任职 creates the position in the same transaction."""
    current = lock(Nomination.objects.select_related("person"), nomination.pk)
    error = stage_error(current, stage)
    if error:
        raise ValidationError({"stage": error})
    _refuse_future_stage(stage, on_date)
    last = current.stages.order_by("-date", "-id").first()
    if last is not None and on_date < last.date:
        raise ValidationError({"on_date": f"日期不能早于上一阶段（{cn_date(last.date)}）。"})
    NominationStage.objects.create(
        nomination=current,
        stage=stage,
        date=on_date,
        responsible_unit=responsible_unit,
        notes=notes,
        outcome=outcome,
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    old_stage = current.get_stage_display()
    current.stage = stage
    save_audited(
        current,
        actor=actor,
        versioned=True,
        fields=["stage"],
        action=AuditEntry.Action.UPDATE,
        changes={"stage": [old_stage, current.get_stage_display()], "outcome": outcome},
        reason=Nomination.Stage(stage).label,
        request=request,
    )
    if stage == Nomination.Stage.APPOINTED:
        record_create(
            actor=actor,
            model=Position,
            request=request,
            reason="提名任职",
            data={
                "person": current.person,
                "type": current.position_type,
                "level": current.position_level,
                "term": current.position_term,
                "organisation": current.organisation,
                "title": current.title,
                "start_date": on_date,
                "nomination": current,
            },
        )
    return current
