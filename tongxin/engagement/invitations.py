"""Invitations to activities and trainings: staff invite, the person answers
on their own page (tongxin/portal), staff read the answers on the record.

Writes are keyword-only, atomic and audited like services.py (which is long
enough already); the reads the activity and training pages use follow.

An accepted invitation is a participation: the person joins the record's
list with 出勤 “报名” in the same transaction, and attendance is recorded on
it later as for anyone added by staff. A decline keeps the person out and
records their reason. Nothing is sent outside the system: the person sees the
invitation on the page their personal link opens.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core import writes
from tongxin.core.templatetags.tongxin import cn_date
from tongxin.people.models import Person
from tongxin.regions import scope

from .models import (
    Activity,
    ActivityParticipant,
    Attendance,
    Invitation,
    Training,
    TrainingParticipant,
)
from .services.participants import BULK_ADD_MAX

REASON_MAX = 200
NOTE_MAX = 300

# target model → (its participant model, the field naming the target)
_TARGETS = {
    Activity: (ActivityParticipant, "activity"),
    Training: (TrainingParticipant, "training"),
}


def _target_field(target) -> str:
    try:
        return _TARGETS[type(target)][1]
    except KeyError:
        raise ValidationError("只能邀请参加活动或培训。") from None


def invitations_of(target) -> QuerySet[Invitation]:
    return Invitation.objects.filter(**{_target_field(target): target})


def respond_by_error(target, respond_by: datetime.date | None) -> str | None:
    """Why `respond_by` cannot be the deadline for invitations to `target`."""
    today = timezone.localdate()
    if respond_by is None:
        return "请填写答复截止日期。"
    if respond_by < today:
        return "答复截止日期不能早于今天。"
    if respond_by > target.start_date:
        return f"答复截止日期不能晚于开始日期（{cn_date(target.start_date)}）。"
    return None


@transaction.atomic
def invitations_send(
    *,
    actor,
    target: Activity | Training,
    persons: QuerySet[Person],
    respond_by: datetime.date,
    note: str = "",
    request=None,
) -> tuple[int, int]:
    """Invite the in-library persons of `persons` that `actor` may change.

    Persons already in the list or already invited are skipped; an invitation
    withdrawn earlier is sent again. Returns (invited, skipped). One audit entry.
    """
    field = _target_field(target)
    participant_model, _ = _TARGETS[type(target)]
    locked = writes.lock(type(target), target.pk)
    if locked.is_cancelled:
        raise ValidationError("已撤销的记录不能发出邀请。")
    error = respond_by_error(locked, respond_by)
    if error:
        raise ValidationError({"respond_by": error})
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": f"邀请说明不能超过{NOTE_MAX}字。"})
    chosen = persons.filter(status=Person.Status.ACTIVE)
    if actor is not None:
        chosen = chosen.writable_by(actor)
    ids = list(chosen.order_by().values_list("id", flat=True).distinct())
    participating = set(
        participant_model.objects.filter(**{field: locked}, person_id__in=ids).values_list(
            "person_id", flat=True
        )
    )
    existing = {row.person_id: row for row in invitations_of(locked).filter(person_id__in=ids)}
    again = [
        row
        for pk, row in existing.items()
        if row.answer == Invitation.Answer.WITHDRAWN and pk not in participating
    ]
    new_ids = [pk for pk in ids if pk not in existing and pk not in participating]
    if len(new_ids) + len(again) > BULK_ADD_MAX:
        raise ValidationError(
            f"将邀请 {len(new_ids) + len(again)} 人，一次最多邀请 {BULK_ADD_MAX} 人，请缩小筛选范围。"
        )
    invited_by = actor if actor is not None and actor.is_authenticated else None
    rows = [
        Invitation(
            **{field: locked},
            person_id=pk,
            respond_by=respond_by,
            note=note,
            invited_by=invited_by,
        )  # fmt: skip
        for pk in new_ids
    ]
    if rows:
        bulk_create_with_history(
            rows, Invitation, batch_size=1000, default_user=invited_by,
            default_change_reason="发出邀请",
        )  # fmt: skip
    for row in again:
        row.answer = Invitation.Answer.PENDING
        row.respond_by, row.note, row.reason = respond_by, note, ""
        row.answered_at, row.answered_by, row.invited_by = None, "", invited_by
        row._history_user, row._change_reason = invited_by, "重新邀请"
        row.save(
            update_fields=[
                "answer", "respond_by", "note", "reason", "answered_at", "answered_by",
                "invited_by",
            ]
        )  # fmt: skip
    invited = len(rows) + len(again)
    skipped = len(ids) - invited
    # An UPDATE of the record, as adding one person is (services.person_add).
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=request,
        obj=locked,
        changes={
            "persons_invited": invited,
            "respond_by": cn_date(respond_by),
            **({"already_invited_or_in": skipped} if skipped else {}),
            **({"note": note} if note else {}),
        },
    )
    return invited, skipped


@transaction.atomic
def invitation_answer(
    *, invitation: Invitation, accept: bool, reason: str = "", username: str, request=None
) -> Invitation:
    """The person's answer, once, until the deadline. `username` names who
    answered in the history and the audit log (the portal passes
    "本人（个人链接 #n）"). Accepting adds the person to the list (出勤 报名)."""
    # Only the invitation is locked: PostgreSQL cannot lock the nullable side
    # of the outer joins to the activity and the training.
    current = writes.locked(
        Invitation.objects.select_related("person", "activity", "training"), of_self=True
    ).get(pk=invitation.pk)
    if current.answer == Invitation.Answer.WITHDRAWN:
        raise ValidationError("这份邀请已撤回。")
    if current.answer != Invitation.Answer.PENDING:
        raise ValidationError(
            f"您已于{cn_date(timezone.localtime(current.answered_at))}答复"
            f"（{current.get_answer_display()}）；如需更改，请联系统战部门。"
        )
    if current.target.is_cancelled:
        raise ValidationError("该活动已撤销，无需答复。")
    if timezone.localdate() > current.respond_by:
        raise ValidationError(
            f"答复已于{cn_date(current.respond_by)}截止；如需参加，请联系统战部门。"
        )
    reason = (reason or "").strip()
    if not accept and not reason:
        raise ValidationError({"reason": "请填写谢绝原因。"})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"谢绝原因不能超过{REASON_MAX}字。"})
    target = current.target
    participant_model, field = _TARGETS[type(target)]
    joined = False
    if (
        accept
        and not participant_model.objects.filter(**{field: target}, person=current.person).exists()
    ):
        row = participant_model(
            **{field: target}, person=current.person, attendance=Attendance.REGISTERED
        )
        row._change_reason = f"{username}接受邀请"
        row.save(force_insert=True)  # no staff user to name (test_architecture.CREATES_ALLOWED)
        joined = True
    current.answer = Invitation.Answer.ACCEPTED if accept else Invitation.Answer.DECLINED
    current.reason = "" if accept else reason
    current.answered_at = timezone.now()
    current.answered_by = username[:100]
    current._change_reason = f"{username}{'接受' if accept else '谢绝'}邀请"
    current.save(update_fields=["answer", "reason", "answered_at", "answered_by"])
    audit_log(
        action=AuditEntry.Action.UPDATE,
        request=request,
        obj=current,
        region=current.person.region,
        username=username,
        object_repr=f"{current.person.name}对“{target}”的邀请",
        changes={
            "answer": ["待答复", current.get_answer_display()],
            **({"reason": reason} if not accept else {}),
            **({"participant_added": "报名"} if joined else {}),
        },
    )
    return current


@transaction.atomic
def invitation_withdraw(*, actor, invitation: Invitation, request=None) -> Invitation:
    """Staff take back an invitation sent by mistake, while it is unanswered."""
    current = writes.locked(
        Invitation.objects.select_related("person", "activity", "training"), of_self=True
    ).get(pk=invitation.pk)
    if current.answer != Invitation.Answer.PENDING:
        if current.answer == Invitation.Answer.WITHDRAWN:
            raise ValidationError("这份邀请已撤回。")
        raise ValidationError(
            f"{current.person.name}已答复（{current.get_answer_display()}），不能撤回邀请；"
            "已接受的可在名单中撤回该人员。"
        )
    current.answer = Invitation.Answer.WITHDRAWN
    current.answered_at = timezone.now()
    current.answered_by = str(actor)[:100] if actor is not None else "系统"
    current._history_user, current._change_reason = actor, "撤回邀请"
    current.save(update_fields=["answer", "answered_at", "answered_by"])
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=request,
        obj=current.target,
        changes={"invitation_withdrawn": current.person.name},
    )
    return current


# --- reads ---------------------------------------------------------------------------------


def invitation_counts(user, target) -> dict:
    """How the invitations to `target` stand, counting persons inside `user`'s
    scope by answer; those outside are one number, never named."""
    today = timezone.localdate()
    inside = scope.read_scope(user).q("person__region")

    def count(condition: Q | None = None) -> Count:
        combined = inside & (condition or Q())
        return Count("id", filter=combined or None)

    pending = Q(answer=Invitation.Answer.PENDING)
    counted = (
        invitations_of(target)
        .exclude(answer=Invitation.Answer.WITHDRAWN)
        .aggregate(
            total=Count("id"),
            visible=count(),
            accepted=count(Q(answer=Invitation.Answer.ACCEPTED)),
            declined=count(Q(answer=Invitation.Answer.DECLINED)),
            pending=count(pending & Q(respond_by__gte=today)),
            overdue=count(pending & Q(respond_by__lt=today)),
        )
    )
    counted["outside"] = counted.pop("total") - counted["visible"]
    return counted


def invitations_visible(user, target) -> QuerySet[Invitation]:
    """The invitations to `target` of persons `user` may see, answered first."""
    return (
        invitations_of(target)
        .visible_to(user)
        .select_related("person", "person__region", "activity", "training")
        .order_by("answer", "-answered_at", "id")
    )


def invitations_of_person(person) -> QuerySet[Invitation]:
    """What the person's own page lists: every invitation not withdrawn, newest first."""
    return (
        Invitation.objects.filter(person=person)
        .exclude(answer=Invitation.Answer.WITHDRAWN)
        .select_related("activity", "activity__type", "training")
        .order_by("-id")
    )
