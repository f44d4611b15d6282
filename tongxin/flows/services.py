"""Change requests between the levels: create (draft or submitted), submit,
withdraw, return, approve, comment, attach. Every write is keyword-only, in
one transaction, with a trail event and an audit entry; a refused write
raises FlowError with a message naming what is wrong and changes nothing."""

import datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core import pii, writes
from tongxin.dedupe import merge as merging
from tongxin.dedupe.models import DuplicatePair
from tongxin.engagement.services import check_upload
from tongxin.levels import services as levels
from tongxin.levels.models import ReviewCycle, Tier, TierMembership
from tongxin.levels.review import review_due_date
from tongxin.levels.tiers import may_hold
from tongxin.people.listing import PersonFilter, filtered_persons
from tongxin.people.models import Person
from tongxin.people.services import person_archive
from tongxin.people.validators import ResidentIdError, parse_resident_id
from tongxin.regions.models import Region
from tongxin.regions.scope import write_scope, writes_records
from tongxin.reports.summary import build_summary

from .access import is_proposing_side, may_decide
from .models import ChangeRequest, RequestAttachment, RequestEvent
from .rollups import node_overview

State = ChangeRequest.State


class FlowError(ValueError):
    """A request the rules refuse; the message is shown to the user as is."""


def default_due_date() -> datetime.date:
    days = int(getattr(settings, "TONGXIN_FLOW_DUE_DAYS", 15))
    return timezone.localdate() + datetime.timedelta(days=days)


def _clean_reason(reason: str, label: str = "理由") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise FlowError(f"请填写{label}")
    if len(reason) > 1000:
        raise FlowError(f"{label}不能超过1000字")
    return reason


def _clean_due(due_date: datetime.date | None) -> datetime.date:
    if due_date is None:
        return default_due_date()
    if due_date < timezone.localdate():
        raise FlowError("办理期限不能早于今天")
    return due_date


def _require_staff(actor) -> None:
    if not writes_records(actor):
        raise FlowError("您没有办理分级流转的权限")


def _event(change_request: ChangeRequest, kind: str, actor, text: str = "") -> None:
    RequestEvent.objects.create(
        request=change_request, kind=kind, actor=actor, text=text[:1000], at=timezone.now()
    )


def _audit(actor, http_request, change_request: ChangeRequest, action: str, changes: dict):
    audit_log(
        action=action,
        user=actor,
        request=http_request,
        obj=change_request,
        region=change_request.origin,
        changes=changes,
    )


def _create(*, actor, submit: bool, http_request, **fields) -> ChangeRequest:
    now = timezone.now()
    change_request = ChangeRequest(
        proposer=actor,
        created_at=now,
        state=State.PENDING if submit else State.DRAFT,
        submitted_at=now if submit else None,
        **fields,
    )
    change_request._history_user = actor
    change_request.save(force_insert=True)
    _event(change_request, RequestEvent.Kind.CREATED, actor, change_request.reason)
    if submit:
        _event(change_request, RequestEvent.Kind.SUBMITTED, actor)
    _audit(
        actor,
        http_request,
        change_request,
        AuditEntry.Action.CREATE,
        {
            "kind": change_request.title_kind,
            "state": change_request.get_state_display(),
            "approver": change_request.approver.name,
            "reason": change_request.reason,
        },
    )
    return change_request


def _writable_person(actor, person: Person) -> Person:
    found = Person.objects.writable_by(actor).select_related("region").filter(pk=person.pk).first()
    if found is None:
        raise FlowError("只能为本区域的人员提出申请")
    if found.is_archived:
        raise FlowError(f"{found.name}已出库")
    return found


def _refuse_duplicate(**same) -> None:
    if ChangeRequest.objects.filter(state__in=ChangeRequest.OPEN_STATES, **same).exists():
        raise FlowError("已有同一事项的申请正在办理，请勿重复提出")


@transaction.atomic
def recommendation_create(
    *,
    actor,
    person: Person,
    tier: Tier,
    reason: str,
    due_date: datetime.date | None = None,
    submit: bool = True,
    request=None,
) -> ChangeRequest:
    """A lower node recommends `person` for the tier of a node above it (推荐)."""
    _require_staff(actor)
    reason = _clean_reason(reason, "推荐理由")
    person = _writable_person(actor, person)
    if not may_hold(person, tier):
        raise FlowError(f"{person.name}不在{tier.region.name}范围内，不能推荐为{tier.name}")
    if write_scope(actor).contains(tier.region_id):
        raise FlowError(f"{tier}由本级认定，无需推荐")
    if TierMembership.objects.filter(person=person, tier=tier).exists():
        raise FlowError(f"{person.name}已在{tier}")
    _refuse_duplicate(kind=ChangeRequest.Kind.RECOMMEND, person=person, tier=tier)
    return _create(
        actor=actor,
        submit=submit,
        http_request=request,
        kind=ChangeRequest.Kind.RECOMMEND,
        person=person,
        tier=tier,
        origin=person.region,
        approver=tier.region,
        reason=reason,
        due_date=_clean_due(due_date),
    )


@transaction.atomic
def removal_create(
    *,
    actor,
    person: Person,
    archive_reason: str,
    reason: str,
    due_date: datetime.date | None = None,
    submit: bool = True,
    request=None,
) -> ChangeRequest:
    """A lower node proposes 出库 of a person held in an upper node's tier; the
    highest such node decides."""
    _require_staff(actor)
    reason = _clean_reason(reason, "出库理由")
    if archive_reason not in Person.ArchiveReason.values:
        raise FlowError("请选择出库原因")
    person = _writable_person(actor, person)
    scope = write_scope(actor)
    upper = [
        m.tier
        for m in TierMembership.objects.filter(person=person)
        .select_related("tier__region")
        .order_by("tier__region__depth")
        if not scope.contains(m.tier.region_id)
    ]
    if not upper:
        raise FlowError(f"{person.name}未列入上级分级，可直接办理出库")
    _refuse_duplicate(kind=ChangeRequest.Kind.REMOVAL, person=person)
    return _create(
        actor=actor,
        submit=submit,
        http_request=request,
        kind=ChangeRequest.Kind.REMOVAL,
        person=person,
        tier=upper[0],
        origin=person.region,
        approver=upper[0].region,
        archive_reason=archive_reason,
        reason=reason,
        due_date=_clean_due(due_date),
    )


@transaction.atomic
def transfer_out_create(
    *,
    actor,
    person: Person,
    target: Region,
    reason: str,
    due_date: datetime.date | None = None,
    submit: bool = True,
    request=None,
) -> ChangeRequest:
    """The person's region asks another region to take them in (调出); the
    destination (or a node above both) approves."""
    _require_staff(actor)
    reason = _clean_reason(reason, "调动理由")
    person = _writable_person(actor, person)
    if not target.is_active:
        raise FlowError(f"{target.name}已停用，不能调入")
    if write_scope(actor).contains(target):
        raise FlowError(f"{target.name}在您的管理范围内，请直接修改该人员的所属区域")
    _refuse_duplicate(kind=ChangeRequest.Kind.TRANSFER, person=person)
    return _create(
        actor=actor,
        submit=submit,
        http_request=request,
        kind=ChangeRequest.Kind.TRANSFER,
        direction=ChangeRequest.Direction.OUT,
        person=person,
        origin=person.region,
        target=target,
        approver=target,
        reason=reason,
        due_date=_clean_due(due_date),
    )


@transaction.atomic
def transfer_in_create(
    *,
    actor,
    target: Region,
    reason: str,
    id_number: str = "",
    id_number_hash: str = "",
    due_date: datetime.date | None = None,
    submit: bool = True,
    request=None,
) -> ChangeRequest:
    """A region asks for a person registered elsewhere, known to it by their
    resident ID (调入); the person's region (or a node above both) approves.
    Nothing about the person is shown to the asking side before approval.

    The person is found by the number typed, or by its keyed hash as an
    import's preview kept it for a row registered elsewhere (the preview
    keeps no number in the clear)."""
    _require_staff(actor)
    reason = _clean_reason(reason, "调入理由")
    if id_number_hash:
        found_by = id_number_hash
    else:
        try:
            number = parse_resident_id(id_number, today=timezone.localdate()).number
        except ResidentIdError as error:
            raise FlowError(f"公民身份号码：{error.message}") from None
        found_by = pii.id_number_hash(number)
    if not write_scope(actor).contains(target) or not target.is_active:
        raise FlowError("调入区域应为您管理范围内启用的区域")
    person = Person.objects.select_related("region").filter(id_number_hash=found_by).first()
    if person is None:
        raise FlowError("未找到该公民身份号码的登记，请直接新增登记")
    if write_scope(actor).contains(person.region_id):
        raise FlowError("该人员已在您的管理范围内，请直接修改所属区域")
    if person.is_archived:
        raise FlowError("该人员已出库，请联系其原所在区域")
    _refuse_duplicate(kind=ChangeRequest.Kind.TRANSFER, person=person)
    return _create(
        actor=actor,
        submit=submit,
        http_request=request,
        kind=ChangeRequest.Kind.TRANSFER,
        direction=ChangeRequest.Direction.IN,
        person=person,
        origin=person.region,
        target=target,
        approver=person.region,
        reason=reason,
        due_date=_clean_due(due_date),
    )


@transaction.atomic
def review_confirmation_create(
    *,
    actor,
    region: Region,
    year: int,
    reason: str,
    due_date: datetime.date | None = None,
    submit: bool = True,
    request=None,
) -> ChangeRequest:
    """A node reports its annual review (每年定期更新) done; the node above confirms
    it before the year closes: the request is due at the year's review deadline
    (系统参数 年度更新截止日期, 31 December by default), whatever `due_date` says,
    and is overdue in the approver's inbox after it."""
    _require_staff(actor)
    reason = _clean_reason(reason, "复核情况说明")
    if not write_scope(actor).contains(region):
        raise FlowError("只能报送本区域的年度更新")
    if region.parent_id is None:
        raise FlowError(f"{region.name}没有上级区域，无需确认")
    if not ReviewCycle.objects.filter(year=year).exists():
        raise FlowError(f"{year}年度更新尚未发起")
    _refuse_duplicate(kind=ChangeRequest.Kind.REVIEW, origin=region, year=year)
    if ChangeRequest.objects.filter(
        kind=ChangeRequest.Kind.REVIEW, origin=region, year=year, state=State.APPROVED
    ).exists():
        raise FlowError(f"{region.name}{year}年度更新已经上级确认")
    return _create(
        actor=actor,
        submit=submit,
        http_request=request,
        kind=ChangeRequest.Kind.REVIEW,
        origin=region,
        approver=region.parent,
        year=year,
        reason=reason,
        due_date=review_due_date(year),
    )


class UnconfirmedChildren(FlowError):
    """A year closed while children's annual reviews are unconfirmed; the
    user may go on only by acknowledging it (the form's checkbox)."""


def unconfirmed_children(actor, region: Region, year: int) -> list[str]:
    """The children of `region` with persons to review in `year` whose review
    the node has not confirmed (read as the roll-up page shows them)."""
    if not ReviewCycle.objects.filter(year=year).exists():
        return []
    approved = ChangeRequest.State.APPROVED.label
    rows = node_overview(actor, region, year).rows
    return [r.region.name for r in rows if not r.is_node and r.due and r.review_state != approved]


def _children_unconfirmed_note(actor, region: Region, year: int, *, acknowledged: bool) -> str:
    names = unconfirmed_children(actor, region, year)
    if not names:
        return ""
    listed = "、".join(names)
    if not acknowledged:
        raise UnconfirmedChildren(
            f"下级区域{year}年度更新尚未经本级确认：{listed}。请先在“待办”中确认，"
            "或勾选“下级年度更新尚未全部确认，仍然报送”"
        )
    return f"报送时下级年度更新尚未确认：{listed}"


@transaction.atomic
def merge_request_create(
    *,
    actor,
    pair: DuplicatePair,
    keep_other: bool,
    reason: str,
    due_date: datetime.date | None = None,
    submit: bool = True,
    request=None,
) -> ChangeRequest:
    """A region asks the region of the other record of a duplicate pair to
    merge the two (合并): the other side (or a node above both) approves, and
    the approval merges. `keep_other`: the other side's record is kept and
    the proposer's own is merged into it (else the reverse). Nothing of the
    other record is shown to the proposing side."""
    _require_staff(actor)
    reason = _clean_reason(reason, "合并理由")
    if pair.status != DuplicatePair.Status.OPEN:
        raise FlowError("该疑似重复已处理")
    scope = write_scope(actor)
    persons = Person.objects.select_related("region").in_bulk([pair.person_a_id, pair.person_b_id])
    first, second = persons[pair.person_a_id], persons[pair.person_b_id]
    mine = [p for p in (first, second) if scope.contains(p.region_id)]
    if len(mine) == 2:
        raise FlowError("两条记录都在您的管理范围内，请在“查重与合并”中直接合并")
    if not mine:
        raise FlowError("只能为本区域的人员提出申请")
    own = mine[0]
    other = second if own is first else first
    if own.is_archived or other.is_archived:
        raise FlowError("其中一条记录已出库或已合并，不能再合并")
    for person, other_person in ((own, other), (other, own)):
        _refuse_duplicate(kind=ChangeRequest.Kind.MERGE, person=person, other_person=other_person)
    return _create(
        actor=actor,
        submit=submit,
        http_request=request,
        kind=ChangeRequest.Kind.MERGE,
        person=own,
        other_person=other,
        keep_other=keep_other,
        origin=own.region,
        target=other.region,
        approver=other.region,
        reason=reason,
        due_date=_clean_due(due_date),
    )


def report_snapshot(actor, region: Region) -> dict:
    """The node's 附件1 as it stands (what the user sees of its subtree), and the
    size of its 附件2 batch (the registration forms of its representatives)."""
    table = build_summary(actor, region, on_date=timezone.localdate())
    persons, _hint = filtered_persons(
        actor, PersonFilter(region=region.pk, status=Person.Status.ACTIVE)
    )
    forms = persons.filter(level__in=[Person.Level.CITY, Person.Level.COUNTY]).count()
    return {
        "unit": table.unit,
        "on_date": table.on_date.isoformat(),
        "columns": table.column_blocks,
        "level_labels": table.level_labels,
        "rows": [[r.group, r.label, r.kind, r.cells] for r in table.rows],
        "total": table.grand_total,
        "forms": forms,
    }


@transaction.atomic
def report_create(
    *,
    actor,
    region: Region,
    year: int,
    reason: str,
    due_date: datetime.date | None = None,
    submit: bool = True,
    acknowledged: bool = False,
    request=None,
) -> ChangeRequest:
    """A node reports (报送) its year's 附件1 and 附件2 batch to the node above,
    which accepts it or returns it with comments; the figures are kept.

    Reporting closes the node's year, so it waits for the node to have
    confirmed its children's annual reviews: while a child with persons to
    review has no confirmed review for the year, the report is refused
    (UnconfirmedChildren, naming them) unless `acknowledged`, and then the
    reason says which children were unconfirmed."""
    _require_staff(actor)
    reason = _clean_reason(reason, "报送说明")
    if not write_scope(actor).contains(region):
        raise FlowError("只能报送本区域的附件1、附件2")
    if region.parent_id is None:
        raise FlowError(f"{region.name}没有上级区域，无需报送")
    this_year = timezone.localdate().year
    if not this_year - 1 <= year <= this_year:
        raise FlowError(f"报送年度应为{this_year - 1}年或{this_year}年")
    _refuse_duplicate(kind=ChangeRequest.Kind.REPORT, origin=region, year=year)
    if ChangeRequest.objects.filter(
        kind=ChangeRequest.Kind.REPORT, origin=region, year=year, state=State.APPROVED
    ).exists():
        raise FlowError(f"{region.name}{year}年度附件1、附件2已报送并经上级接收")
    if submit:  # a draft closes nothing yet
        note = _children_unconfirmed_note(actor, region, year, acknowledged=acknowledged)
        reason = f"{reason}\n（{note}）" if note else reason
    return _create(
        actor=actor,
        submit=submit,
        http_request=request,
        kind=ChangeRequest.Kind.REPORT,
        origin=region,
        approver=region.parent,
        year=year,
        reason=reason,
        due_date=_clean_due(due_date),
        snapshot=report_snapshot(actor, region),
    )


def _locked(change_request: ChangeRequest) -> ChangeRequest:
    related = ChangeRequest.objects.select_related("origin", "target", "approver", "tier__region")
    return writes.locked(related, of_self=True).get(pk=change_request.pk)


def _transition(actor, http_request, current, state: str, event: str, note: str, fields: list):
    old = current.get_state_display()
    current.state = state
    writes.save_tracked(current, actor=actor, fields=["state", *fields])
    _event(current, event, actor, note)
    _audit(
        actor,
        http_request,
        current,
        AuditEntry.Action.UPDATE,
        {"state": [old, current.get_state_display()], **({"note": note} if note else {})},
    )
    return current


@transaction.atomic
def request_submit(
    *, actor, change_request: ChangeRequest, acknowledged: bool = False, request=None
) -> ChangeRequest:
    """A draft, or a returned request after revising, goes to the approving node.
    A report (报送) goes only once the children's reviews are confirmed, or
    with `acknowledged` that they are not (see report_create)."""
    current = _locked(change_request)
    if not is_proposing_side(actor, current):
        raise FlowError("只有提出方可以提交该申请")
    if current.state not in (State.DRAFT, State.RETURNED):
        raise FlowError(f"该申请{current.get_state_display()}，不能提交")
    current.submitted_at = timezone.now()
    if current.kind == ChangeRequest.Kind.REVIEW:
        current.due_date = review_due_date(current.year)
    elif current.due_date is None or current.due_date < timezone.localdate():
        current.due_date = default_due_date()
    fields = ["submitted_at", "due_date"]
    note = ""
    if current.kind == ChangeRequest.Kind.REPORT:
        note = _children_unconfirmed_note(
            actor, current.origin, current.year, acknowledged=acknowledged
        )
        # A report sent again (after a return) carries the figures as they are now.
        current.snapshot = report_snapshot(actor, current.origin)
        fields.append("snapshot")
    return _transition(
        actor, request, current, State.PENDING, RequestEvent.Kind.SUBMITTED, note, fields
    )


@transaction.atomic
def request_withdraw(
    *, actor, change_request: ChangeRequest, note: str = "", request=None
) -> ChangeRequest:
    current = _locked(change_request)
    if not is_proposing_side(actor, current):
        raise FlowError("只有提出方可以撤回该申请")
    if not current.is_open:
        raise FlowError(f"该申请已{current.get_state_display()}，不能撤回")
    return _transition(
        actor, request, current, State.WITHDRAWN, RequestEvent.Kind.WITHDRAWN, note.strip(), []
    )


def _decision_checks(actor, current: ChangeRequest, verb: str) -> None:
    if not may_decide(actor, current):
        raise FlowError(f"只有{current.approver.name}（或其上级）的工作人员可以{verb}该申请")
    if current.state != State.PENDING:
        raise FlowError(f"该申请{current.get_state_display()}，不能{verb}")


@transaction.atomic
def request_return(*, actor, change_request: ChangeRequest, note: str, request=None):
    """The approving node sends the request back with its reason (退回)."""
    note = _clean_reason(note, "退回理由")
    current = _locked(change_request)
    _decision_checks(actor, current, "退回")
    current.decision_note, current.decided_by, current.decided_at = (
        note[:500],
        actor,
        timezone.now(),
    )
    return _transition(
        actor, request, current, State.RETURNED, RequestEvent.Kind.RETURNED, note,
        ["decision_note", "decided_by", "decided_at"],
    )  # fmt: skip


@transaction.atomic
def request_approve(*, actor, change_request: ChangeRequest, note: str = "", request=None):
    """The approving node approves (认定); the request's effect happens in the
    same transaction: into the tier, out of the database, into the new region,
    or the year's review confirmed."""
    note = (note or "").strip()[:500]
    current = _locked(change_request)
    _decision_checks(actor, current, "审核通过")
    label = f"{current.title_kind}申请 #{current.pk}"
    if current.kind == ChangeRequest.Kind.RECOMMEND:
        try:
            levels.person_tier_join(
                actor=actor, person=current.person, tier=current.tier, reason=f"{label}认定",
                request=request,
            )  # fmt: skip
        except levels.LevelError as error:
            raise FlowError(str(error)) from None
    elif current.kind == ChangeRequest.Kind.REMOVAL:
        person = Person.objects.get(pk=current.person_id)
        if person.is_archived:
            raise FlowError(f"{person.name}已出库")
        person_archive(
            actor=actor,
            person=person,
            reason=current.archive_reason,
            on_date=timezone.localdate(),
            note=f"{label}：{current.reason}"[:200],
            request=request,
        )
    elif current.kind == ChangeRequest.Kind.TRANSFER:
        _move(actor, current, label, request)
    elif current.kind == ChangeRequest.Kind.REPORT:
        _refuse_report_before_review(current)
    elif current.kind == ChangeRequest.Kind.MERGE:
        _merge(actor, current, label, request)
    current.decision_note, current.decided_by, current.decided_at = note, actor, timezone.now()
    return _transition(
        actor, request, current, State.APPROVED, RequestEvent.Kind.APPROVED, note,
        ["decision_note", "decided_by", "decided_at"],
    )  # fmt: skip


def _refuse_report_before_review(current: ChangeRequest) -> None:
    """Accepting a child's 报送 closes its year at this node: its annual review
    (when the year has one) must have been confirmed here first."""
    if not ReviewCycle.objects.filter(year=current.year).exists():
        return
    confirmed = ChangeRequest.objects.filter(
        kind=ChangeRequest.Kind.REVIEW,
        origin_id=current.origin_id,
        year=current.year,
        state=State.APPROVED,
    ).exists()
    if not confirmed:
        raise FlowError(
            f"{current.origin.name}{current.year}年度更新尚未经本级确认，"
            "请先确认其年度更新（复核确认），或退回本次报送"
        )


def _move(actor, current: ChangeRequest, label: str, http_request) -> None:
    person = writes.lock(Person.objects.select_related("region"), current.person_id)
    if person.region_id != current.origin_id:
        raise FlowError("该人员的所属区域已变化，本申请不再适用，请退回")
    if person.is_archived:
        raise FlowError(f"{person.name}已出库，不能调动")
    old, new = person.region, current.target
    person.region = new
    writes.save_tracked(
        person,
        actor=actor,
        fields=["region"],
        reason=f"调动：{old.name} → {new.name}（{label}）",
        versioned=True,
    )
    left, joined = levels.person_tiers_follow_region(actor=actor, person=person, reason=label)
    changes = {"region": [old.name, new.name], "request": label}
    if left:
        changes["tiers"] = [[str(t) for t in left], [str(t) for t in joined]]
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=http_request,
        obj=person,
        changes=changes,
    )


def _merge(actor, current: ChangeRequest, label: str, http_request) -> None:
    persons = Person.objects.in_bulk([current.person_id, current.other_person_id])
    own, other = persons[current.person_id], persons[current.other_person_id]
    if own.region_id != current.origin_id or other.region_id != current.target_id:
        raise FlowError("两条记录的所属区域已变化，本申请不再适用，请退回")
    survivor, merged = (other, own) if current.keep_other else (own, other)
    low, high = sorted((own.pk, other.pk))
    try:
        merging.person_merge_approved(
            actor=actor,
            survivor=survivor,
            merged=merged,
            picks=merging.blank_filling_picks(survivor, merged),
            pair=DuplicatePair.objects.filter(person_a_id=low, person_b_id=high).first(),
            approved=label,
            request=http_request,
        )
    except merging.MergeError as error:
        raise FlowError(error.message) from None
    # The merge moved every request about the merged record to the kept one,
    # this one too; this one names the two records as they were asked about.
    ChangeRequest.objects.filter(pk=current.pk).update(person=own, other_person=other)


@transaction.atomic
def request_comment(*, actor, change_request: ChangeRequest, text: str, request=None) -> None:
    text = _clean_reason(text, "意见内容")
    if not writes_records(actor):
        raise FlowError("您没有办理分级流转的权限")
    _event(change_request, RequestEvent.Kind.COMMENT, actor, text)
    _audit(actor, request, change_request, AuditEntry.Action.UPDATE, {"comment": text})


@transaction.atomic
def request_attach(*, actor, change_request: ChangeRequest, upload, request=None):
    if not writes_records(actor):
        raise FlowError("您没有办理分级流转的权限")
    try:
        check_upload(upload)
    except ValidationError as error:
        raise FlowError(error.message_dict["file"][0]) from None
    attachment = RequestAttachment(
        request=change_request,
        name=Path(upload.name).name[:200],
        size=upload.size,
        uploaded_by=actor,
    )
    attachment.file.save(upload.name, upload, save=False)
    attachment.save(force_insert=True)
    _event(change_request, RequestEvent.Kind.ATTACHMENT, actor, attachment.name)
    _audit(
        actor, request, change_request, AuditEntry.Action.UPDATE, {"attachment": attachment.name}
    )
    return attachment
