"""Creating each kind of change request: recommendation, removal, transfers,
review confirmation, merge request, 报送 report."""

from typing import Unpack

from django.db import transaction
from django.utils import timezone

from tongxin.core import pii
from tongxin.dedupe.models import DuplicatePair
from tongxin.levels.models import ReviewCycle, Tier, TierMembership
from tongxin.levels.review import review_due_date
from tongxin.levels.tiers import may_hold
from tongxin.people.listing import PersonFilter, filtered_persons
from tongxin.people.models import Person
from tongxin.people.validators import ResidentIdError, parse_resident_id
from tongxin.regions.models import Region
from tongxin.regions.scope import write_scope
from tongxin.reports.summary import build_summary

from ..models import ChangeRequest
from ..rollups import node_overview
from .common import (
    Filing,
    FlowError,
    State,
    _clean_reason,
    _create,
    _refuse_duplicate,
    _require_staff,
    _writable_person,
)


@transaction.atomic
def recommendation_create(
    *,
    actor,
    person: Person,
    tier: Tier,
    reason: str,
    **filing: Unpack[Filing],
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
        filing=filing,
        kind=ChangeRequest.Kind.RECOMMEND,
        person=person,
        tier=tier,
        origin=person.region,
        approver=tier.region,
        reason=reason,
    )


@transaction.atomic
def removal_create(
    *,
    actor,
    person: Person,
    archive_reason: str,
    reason: str,
    **filing: Unpack[Filing],
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
        filing=filing,
        kind=ChangeRequest.Kind.REMOVAL,
        person=person,
        tier=upper[0],
        origin=person.region,
        approver=upper[0].region,
        archive_reason=archive_reason,
        reason=reason,
    )


@transaction.atomic
def transfer_out_create(
    *,
    actor,
    person: Person,
    target: Region,
    reason: str,
    **filing: Unpack[Filing],
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
        filing=filing,
        kind=ChangeRequest.Kind.TRANSFER,
        direction=ChangeRequest.Direction.OUT,
        person=person,
        origin=person.region,
        target=target,
        approver=target,
        reason=reason,
    )


@transaction.atomic
def transfer_in_create(
    *,
    actor,
    target: Region,
    reason: str,
    id_number: str = "",
    id_number_hash: str = "",
    **filing: Unpack[Filing],
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
        filing=filing,
        kind=ChangeRequest.Kind.TRANSFER,
        direction=ChangeRequest.Direction.IN,
        person=person,
        origin=person.region,
        target=target,
        approver=person.region,
        reason=reason,
    )


def _require_own_child_node(actor, region: Region, *, not_own: str, top: str) -> None:
    """A node's yearly request (review confirmation, 报送) goes from the
    actor's own region to the node above it."""
    if not write_scope(actor).contains(region):
        raise FlowError(not_own)
    if region.parent_id is None:
        raise FlowError(top)


def _refuse_repeat_for_year(kind: str, region: Region, year: int, *, approved: str) -> None:
    """One open request of `kind` for the node's year, none after one was approved."""
    _refuse_duplicate(kind=kind, origin=region, year=year)
    if ChangeRequest.objects.filter(
        kind=kind, origin=region, year=year, state=State.APPROVED
    ).exists():
        raise FlowError(approved)


@transaction.atomic
def review_confirmation_create(
    *,
    actor,
    region: Region,
    year: int,
    reason: str,
    **filing: Unpack[Filing],
) -> ChangeRequest:
    """A node reports its annual review (每年定期更新) done; the node above confirms
    it before the year closes: the request is due at the year's review deadline
    (系统参数 年度更新截止日期, 31 December by default), whatever `due_date` says,
    and is overdue in the approver's inbox after it."""
    _require_staff(actor)
    reason = _clean_reason(reason, "复核情况说明")
    _require_own_child_node(
        actor,
        region,
        not_own="只能报送本区域的年度更新",
        top=f"{region.name}没有上级区域，无需确认",
    )
    if not ReviewCycle.objects.filter(year=year).exists():
        raise FlowError(f"{year}年度更新尚未发起")
    _refuse_repeat_for_year(
        ChangeRequest.Kind.REVIEW, region, year, approved=f"{region.name}{year}年度更新已经上级确认"
    )
    return _create(
        actor=actor,
        filing=filing,
        kind=ChangeRequest.Kind.REVIEW,
        origin=region,
        approver=region.parent,
        year=year,
        reason=reason,
        fixed_due_date=review_due_date(year),
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
    **filing: Unpack[Filing],
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
        filing=filing,
        kind=ChangeRequest.Kind.MERGE,
        person=own,
        other_person=other,
        keep_other=keep_other,
        origin=own.region,
        target=other.region,
        approver=other.region,
        reason=reason,
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
    acknowledged: bool = False,
    **filing: Unpack[Filing],
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
    _require_own_child_node(
        actor,
        region,
        not_own="只能报送本区域的附件1、附件2",
        top=f"{region.name}没有上级区域，无需报送",
    )
    this_year = timezone.localdate().year
    if not this_year - 1 <= year <= this_year:
        raise FlowError(f"报送年度应为{this_year - 1}年或{this_year}年")
    _refuse_repeat_for_year(
        ChangeRequest.Kind.REPORT,
        region,
        year,
        approved=f"{region.name}{year}年度附件1、附件2已报送并经上级接收",
    )
    if filing.get("submit", True):  # a draft closes nothing yet
        note = _children_unconfirmed_note(actor, region, year, acknowledged=acknowledged)
        reason = f"{reason}\n（{note}）" if note else reason
    return _create(
        actor=actor,
        filing=filing,
        kind=ChangeRequest.Kind.REPORT,
        origin=region,
        approver=region.parent,
        year=year,
        reason=reason,
        snapshot=report_snapshot(actor, region),
    )
