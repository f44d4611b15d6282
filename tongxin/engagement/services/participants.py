"""The persons on an activity, training, cluster or organisation: added one
by one or in bulk (and undone), attendance, roles, withdrawals, members' ends."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core.writes import (
    create_audited,
    create_tracked,
    lock,
    locked,
    save_audited,
    set_history,
)
from tongxin.people.models import Person

from ..models import (
    Activity,
    ActivityParticipant,
    Cluster,
    ClusterMembership,
    Organisation,
    OrganisationMember,
    ParticipantBatch,
    RecordStatus,
    Training,
    TrainingParticipant,
)
from .records import display_value, validate_record

# A filter that matches a whole city by mistake should not enrol it in one click.
BULK_ADD_MAX = 5000


# --- participants and members ------------------------------------------------------------

# target model → (row model, the row's field pointing at the target)
_MEMBERSHIPS = {
    Activity: (ActivityParticipant, "activity"),
    Training: (TrainingParticipant, "training"),
    Cluster: (ClusterMembership, "cluster"),
}


@transaction.atomic
def persons_bulk_add(*, actor, target, persons: QuerySet[Person], request=None) -> int:
    """Add every person of `persons` to an activity, training or cluster in one
    statement; persons already in are left alone. Returns how many were added.

    The query count does not grow with the number of persons: one lock on the
    target, one read of who is in, one read of the ids, bulk inserts.
    """
    row_model, fk = _MEMBERSHIPS[type(target)]
    locked = lock(type(target), target.pk)
    if getattr(locked, "is_cancelled", False):
        raise ValidationError("已撤销的记录不能添加人员。")
    existing = set(row_model.objects.filter(**{fk: locked}).values_list("person_id", flat=True))
    new_ids = [pk for pk in persons.order_by().values_list("id", flat=True) if pk not in existing]
    if len(new_ids) > BULK_ADD_MAX:
        raise ValidationError(
            f"符合条件的人员有 {len(new_ids)} 人，一次最多添加 {BULK_ADD_MAX} 人，请缩小筛选范围。"
        )
    batch = None
    if new_ids:
        batch = ParticipantBatch(**{fk: locked}, added=len(new_ids), added_by=actor)
        create_tracked(batch, actor=actor)  # the audit entry below covers its rows
    rows = [row_model(**{fk: locked}, person_id=pk, batch=batch) for pk in new_ids]
    if rows:
        if hasattr(row_model, "history"):
            bulk_create_with_history(
                rows, row_model, batch_size=1000, default_user=actor,
                default_change_reason="批量添加",
            )  # fmt: skip
        else:
            row_model.objects.bulk_create(rows, batch_size=1000)
    audit_log(
        action=AuditEntry.Action.BULK_CREATE,
        user=actor,
        request=request,
        obj=locked,
        changes={"persons_added": len(rows), "already_in": len(existing)},
    )
    return len(rows)


def _history_of_deletion(rows: list, actor, reason: str) -> None:
    """The "-" history rows `row.delete()` would write, for many rows in one
    statement; the withdrawn persons stay in the record's history."""
    if not rows:
        return
    row_model = type(rows[0])
    history_model = row_model.history.model
    now = timezone.now()
    fields = [f.attname for f in row_model._meta.concrete_fields]
    history_model.objects.bulk_create(
        [
            history_model(
                **{name: getattr(row, name) for name in fields},
                history_date=now,
                history_type="-",
                history_user=actor,
                history_change_reason=reason,
            )  # fmt: skip
            for row in rows
        ],
        batch_size=1000,
    )


def _withdraw_rows(rows: list, actor, reason: str) -> None:
    _history_of_deletion(rows, actor, reason)
    # A raw delete: QuerySet.delete() would send post_delete per row and
    # simple-history would write a second, anonymous "-" row for each. Nothing
    # points at these rows, so there is no cascade to miss.
    doomed = type(rows[0]).objects.filter(pk__in=[row.pk for row in rows])
    doomed._raw_delete(doomed.db)


def batches_to_undo(target) -> QuerySet:
    """The bulk additions to an activity, training or cluster not undone yet, newest first."""
    _, fk = _MEMBERSHIPS[type(target)]
    return ParticipantBatch.objects.filter(**{fk: target}, undone_at__isnull=True).order_by(
        "-added_at", "-id"
    )


@transaction.atomic
def participant_batch_undo(*, actor, batch: ParticipantBatch, request=None) -> tuple[int, int]:
    """Undo one bulk addition: every person it added who is still in the list
    and inside `actor`'s scope is withdrawn in one step. Returns (withdrawn,
    left): persons outside the scope are left in, counted, never named."""
    locked = lock(ParticipantBatch, batch.pk)
    if locked.undone_at is not None:
        raise ValidationError("这次批量添加已经撤销。")
    target = locked.target
    if getattr(target, "is_cancelled", False):
        raise ValidationError("已撤销的记录不能撤回人员。")
    row_model, fk = _MEMBERSHIPS[type(target)]
    added = row_model.objects.filter(**{fk: target}, batch=locked)
    rows = list(added.visible_to(actor))
    left = added.count() - len(rows)
    if rows:
        _withdraw_rows(rows, actor, f"撤销批量添加（{locked.added_at:%Y-%m-%d %H:%M}）")
    locked.undone_at = timezone.now()
    locked.undone_by = actor
    locked.undone = len(rows)
    locked.save(update_fields=["undone_at", "undone_by", "undone"])
    audit_log(
        action=AuditEntry.Action.DELETE,
        user=actor,
        request=request,
        obj=target,
        changes={
            "batch_undone": f"{locked.added_at:%Y-%m-%d %H:%M} 批量添加的 {locked.added} 人",
            "persons_withdrawn": len(rows),
            **({"persons_left": left} if left else {}),
        },
    )
    return len(rows), left


def _names(rows: list) -> str:
    names = "、".join(row.person.name for row in rows[:20])
    return names + (f" 等 {len(rows)} 人" if len(rows) > 20 else "")


@transaction.atomic
def persons_withdraw(*, actor, target, rows: QuerySet, reason: str = "", request=None) -> int:
    """Withdraw several persons from an activity, training or cluster at once
    (`rows` already narrowed to what the actor may see). One audit entry."""
    if getattr(target, "is_cancelled", False):
        raise ValidationError("已撤销的记录不能撤回人员。")
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise ValidationError({"reason": "撤回原因不能超过200字。"})
    chosen = list(locked(rows.select_related("person"), of_self=True))
    if not chosen:
        raise ValidationError("请先勾选要撤回的人员。")
    _withdraw_rows(chosen, actor, f"撤回{('：' + reason) if reason else ''}")
    audit_log(
        action=AuditEntry.Action.DELETE,
        user=actor,
        request=request,
        obj=target,
        changes={
            "persons_withdrawn": _names(chosen),
            "count": len(chosen),
            **({"reason": reason} if reason else {}),
        },
    )
    return len(chosen)


@transaction.atomic
def participants_mark_attended(*, actor, target, rows: QuerySet, request=None) -> int:
    """全部出席: every row of `rows` not yet marked attended is; a training's
    rows without hours get the training's hours. One audit entry."""
    if getattr(target, "is_cancelled", False):
        raise ValidationError("已撤销的记录不能登记出勤。")
    pending = list(
        locked(rows.exclude(attendance=ActivityParticipant.Attendance.ATTENDED), of_self=True)
    )
    fields = ["attendance"]
    for row in pending:
        row.attendance = ActivityParticipant.Attendance.ATTENDED
    if isinstance(target, Training) and target.hours is not None:
        fields.append("hours")
        for row in pending:
            if row.hours is None:
                row.hours = target.hours
    if pending:
        bulk_update_with_history(
            pending, type(pending[0]), fields, batch_size=1000, default_user=actor,
            default_change_reason="全部出席",
        )  # fmt: skip
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=request,
        obj=target,
        changes={"attendance": "全部出席", "persons_marked": len(pending)},
    )
    return len(pending)


def _row_update(row, values: dict, *, actor, reason: str, request, audit_obj):
    """Set `values` on a locked participant row and save what changed, audited
    on the activity or training with the person's name."""
    changes = {}
    for field, new in values.items():
        old = getattr(row, field)
        if new != old:
            model = type(row)
            changes[field] = [display_value(model, field, old), display_value(model, field, new)]
            setattr(row, field, new)
    if not changes:
        return row
    return save_audited(
        row,
        actor=actor,
        fields=list(changes),
        action=AuditEntry.Action.UPDATE,
        changes={"person": row.person.name, **changes},
        reason=reason,
        request=request,
        audit_obj=audit_obj,
    )


@transaction.atomic
def training_participant_update(
    *, actor, participant: TrainingParticipant, attendance: str, hours, request=None
) -> TrainingParticipant:
    """A training participant's attendance and hours (学时, at most the training's)."""
    errors = {}
    if attendance not in TrainingParticipant.Attendance.values:
        errors["attendance"] = "出勤情况无效。"
    current = lock(TrainingParticipant, participant.pk)
    limit = current.training.hours
    if hours is not None and (hours < 0 or (limit is not None and hours > limit)):
        top = f"{limit:f}".rstrip("0").rstrip(".") if limit is not None else "9999"
        errors["hours"] = f"学时应在0到{top}之间。"
    if errors:
        raise ValidationError(errors)
    return _row_update(
        current,
        {"attendance": attendance, "hours": hours},
        actor=actor,
        reason="登记出勤和学时",
        request=request,
        audit_obj=current.training,
    )


@transaction.atomic
def person_add(*, actor, target, person: Person, request=None, **fields):
    """Add one person to an activity, training, cluster or organisation (with `fields`
    such as role). Raises ValidationError if the person is already in."""
    if isinstance(target, Organisation):
        row_model, fk = OrganisationMember, "organisation"
        validate_record(OrganisationMember, fields)
    else:
        row_model, fk = _MEMBERSHIPS[type(target)]
    if getattr(target, "is_cancelled", False):
        raise ValidationError("已撤销的记录不能添加人员。")
    already = row_model.objects.filter(**{fk: target, "person": person})
    if hasattr(row_model, "status"):
        already = already.filter(status=RecordStatus.ACTIVE)
    if already.exists():
        raise ValidationError(f"{person.name} 已在名单中。")
    row = row_model(**{fk: target}, person=person, **fields)
    return create_audited(
        row,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        audit_obj=target,
        changes={
            "person_added": person.name,
            **{f: display_value(row_model, f, v) for f, v in fields.items()},
        },
        reason="添加人员",
        request=request,
    )


@transaction.atomic
def participant_update(
    *, actor, participant: ActivityParticipant, role: str = "", attendance: str = "", request=None
) -> ActivityParticipant:
    """Change a participant's role and/or attendance."""
    errors = {}
    if role and role not in ActivityParticipant.Role.values:
        errors["role"] = "角色无效。"
    if attendance and attendance not in ActivityParticipant.Attendance.values:
        errors["attendance"] = "出勤情况无效。"
    if errors:
        raise ValidationError(errors)
    current = lock(ActivityParticipant, participant.pk)
    # An empty role or attendance leaves that field as it is.
    values = {field: new for field, new in (("role", role), ("attendance", attendance)) if new}
    return _row_update(
        current,
        values,
        actor=actor,
        reason="修改参加情况",
        request=request,
        audit_obj=current.activity,
    )


@transaction.atomic
def member_end(*, actor, member: OrganisationMember, on_date: datetime.date, request=None):
    """A member leaves an organisation: the row gets an end date and stays in history."""
    current = lock(OrganisationMember, member.pk)
    if current.start_date and on_date < current.start_date:
        raise ValidationError({"end_date": "结束日期不能早于开始日期。"})
    current.end_date = on_date
    current.status = RecordStatus.CANCELLED
    return save_audited(
        current,
        actor=actor,
        fields=["end_date", "status"],
        action=AuditEntry.Action.UPDATE,
        changes={
            "person_left": current.person.name,
            "end_date": display_value(OrganisationMember, "end_date", on_date),
        },
        reason="离任",
        request=request,
        audit_obj=current.organisation,
    )


# Everything a person can be withdrawn from: target model → (row model, the row's field).
_WITHDRAWABLE = {**_MEMBERSHIPS, Organisation: (OrganisationMember, "organisation")}
_TARGET_FIELD = {row_model: fk for row_model, fk in _WITHDRAWABLE.values()}


def membership_rows(target) -> QuerySet:
    """The rows listing who is in an activity, training, cluster or organisation."""
    row_model, fk = _WITHDRAWABLE[type(target)]
    return row_model.objects.filter(**{fk: target})


def withdrawn_rows(target) -> QuerySet:
    """The last state of every row withdrawn from `target`, from the rows' history."""
    row_model, fk = _WITHDRAWABLE[type(target)]
    return row_model.history.filter(history_type="-", **{f"{fk}_id": target.pk})


@transaction.atomic
def person_withdraw(*, actor, row, reason: str = "", request=None) -> None:
    """Take back a person added by mistake to an activity, training, cluster or
    organisation (`row` is their participant or member row).

    The row is deleted, so the person no longer counts anywhere (lists, timeline,
    statistics) and may be added again later; its last state, including any
    attendance recorded, stays in the row's history and in the audit entry.
    """
    row_model = type(row)
    current = locked(row_model.objects.select_related("person")).filter(pk=row.pk).first()
    if current is None:
        raise ValidationError("该人员已不在名单中。")
    target = getattr(current, _TARGET_FIELD[row_model])
    if getattr(target, "is_cancelled", False):
        raise ValidationError("已撤销的记录不能撤回人员。")
    changes = {"person_withdrawn": current.person.name}
    for field in ("role", "attendance", "start_date", "end_date"):
        value = getattr(current, field, None)
        if value:
            changes[field] = display_value(row_model, field, value)
    if reason:
        changes["reason"] = reason
    set_history(current, actor, f"撤回{('：' + reason) if reason else ''}")
    current.delete()
    audit_log(action=AuditEntry.Action.DELETE, user=actor, request=request, obj=target,
              changes=changes)  # fmt: skip
