"""Level moves, quotas and the annual review: every write validated, in one
transaction, with history and an audit entry."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core import writes
from tongxin.people.models import Person
from tongxin.people.services import refuse_if_stale
from tongxin.regions.models import Region
from tongxin.regions.scope import write_scope, writes_records

from . import tiers
from .models import LevelChange, PersonReview, ReviewCycle, Tier, TierMembership


class LevelError(ValueError):
    """A request the rules refuse; the message is shown to the user as is."""


def _require_may_write(actor, person: Person) -> None:
    if not writes_records(actor):
        raise LevelError("您没有修改人员信息的权限")
    if not Person.objects.writable_by(actor).filter(pk=person.pk).exists():
        raise LevelError("只能处理本区域的人员")


def _join(person: Person, tier: Tier, *, reason: str) -> bool:
    """Put `person` in `tier` (with a history row); False if already there."""
    if TierMembership.objects.filter(person=person, tier=tier).exists():
        return False
    membership = TierMembership(person=person, tier=tier, reason=reason[:200])
    membership.save(force_insert=True)  # no actor here (test_architecture.CREATES_ALLOWED)
    return True


def _leave(person: Person, tiers_left) -> list[Tier]:
    left = []
    for membership in TierMembership.objects.filter(person=person, tier__in=list(tiers_left)):
        left.append(membership.tier)
        membership.delete()
    return left


def person_level_follow_tiers(*, actor, person: Person, reason: str) -> str:
    """Set `person.level` (locked by the caller) to what the tiers held mean."""
    level = tiers.summary_level(tiers.tiers_held(person))
    if level != person.level:
        old, person.level = person.level, level
        writes.save_tracked(
            person,
            actor=actor,
            fields=["level"],
            reason=f"分级：{Person.Level(old).label} → {Person.Level(level).label}（{reason}）",
            versioned=True,
        )
        LevelChange.objects.create(
            person=person,
            from_level=old,
            to_level=level,
            reason=reason[:200],
            changed_by=actor,
            changed_at=timezone.now(),
        )
    return level


@transaction.atomic
def person_tier_join(*, actor, person: Person, tier: Tier, reason: str, request=None) -> None:
    """Put `person` in the tier of a node the actor works at (认定), e.g. the city
    confirming a county's recommendation. The person's level follows."""
    current = writes.lock(Person, person.pk)
    if not write_scope(actor).contains(tier.region_id):
        raise LevelError(f"只有{tier.region.name}的工作人员可以认定{tier.name}")
    if current.is_archived:
        raise LevelError("已出库人员不能列入分级")
    if not tiers.may_hold(current, tier):
        raise LevelError(f"{current.name}不在{tier.region.name}范围内，不能列入{tier.name}")
    if not _join(current, tier, reason=reason):
        raise LevelError(f"{current.name}已在{tier}")
    person_level_follow_tiers(actor=actor, person=current, reason=reason)
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=request,
        obj=current,
        changes={"tier": [None, str(tier)], "reason": reason},
    )
    person.level, person.version = current.level, current.version


@transaction.atomic
def person_tier_leave(*, actor, person: Person, tier: Tier, reason: str, request=None) -> None:
    """Take `person` out of a node's tier (the node's staff decide)."""
    current = writes.lock(Person, person.pk)
    if not write_scope(actor).contains(tier.region_id):
        raise LevelError(f"只有{tier.region.name}的工作人员可以调整{tier.name}")
    if not _leave(current, [tier]):
        raise LevelError(f"{current.name}不在{tier}")
    person_level_follow_tiers(actor=actor, person=current, reason=reason)
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=request,
        obj=current,
        changes={"tier": [str(tier), None], "reason": reason},
    )
    person.level, person.version = current.level, current.version


def person_tiers_follow_region(*, actor, person: Person, reason: str) -> tuple[list, list]:
    """After `person` (locked by the caller) moved region by an approved
    transfer: each tier of a node no longer above them is exchanged for the
    tier of the node of the same rank above their new region (a county's
    县区联系 for the new county's), so they keep their standing there, and the
    new node's staff may take them out. The level follows.
    Returns (tiers left, tiers joined)."""
    chain = tiers.chain_of(person.region)
    above = {r.pk for r in chain}
    left = _leave(person, [t for t in tiers.tiers_held(person) if t.region_id not in above])
    joined = []
    for tier in left:
        same_rank = [r for r in chain if r.rank == tier.region.rank]
        if same_rank:
            new_tier = tiers.tier_for(same_rank[-1])
            if _join(person, new_tier, reason=reason):
                joined.append(new_tier)
    person_level_follow_tiers(actor=actor, person=person, reason=reason)
    return left, joined


@transaction.atomic
def person_change_level(
    *,
    actor,
    person: Person,
    level: str,
    reason: str,
    expected_version: int | None = None,
    request=None,
) -> LevelChange:
    """Move `person` to `level` for `reason`: into the tier of the city or the
    county-level node above them, out of the other (储备: out of every tier).

    Only users who may place persons at city level (admins, city staff) may
    move someone to it or away from it. Raises LevelError, or StaleEditError
    if the record changed since `expected_version`.
    """
    reason = (reason or "").strip()
    if level not in Person.Level.values:
        raise LevelError("请选择调整后的分级")
    if not reason:
        raise LevelError("请填写调整原因")
    if len(reason) > 200:
        raise LevelError("调整原因不能超过200字")
    current = writes.lock(Person, person.pk)
    _require_may_write(actor, current)
    refuse_if_stale(current, expected_version)
    if current.is_archived:
        raise LevelError("已出库人员不能调整分级")
    if current.level == level:
        raise LevelError(f"该人员已是“{Person.Level(level).label}”")
    city = Person.Level.CITY
    if city in (level, current.level) and not actor.can_place_at_city_level:
        raise LevelError("只有市级工作人员可以将人员列为或移出市级重点联系")

    held = tiers.tiers_held(current)
    if level == Person.Level.RESERVE:
        _leave(current, held)
    else:
        # Out of the tiers of the other level (a city's and a province's for 县区联系).
        _leave(current, [t for t in held if tiers.level_of_node(t.region) != level])
        node = tiers.home_node(current.region, level)
        _join(current, tiers.tier_for(node), reason=reason)
    old, current.level = current.level, level
    old_label, new_label = Person.Level(old).label, Person.Level(level).label
    writes.save_audited(
        current,
        actor=actor,
        fields=["level"],
        action=AuditEntry.Action.UPDATE,
        changes={
            "level": [old_label, new_label],
            "tiers": [[str(t) for t in held], [str(t) for t in tiers.tiers_held(current)]],
            "reason": reason,
        },
        reason=f"分级调整：{old_label} → {new_label}（{reason}）",
        request=request,
        versioned=True,
    )
    change = LevelChange.objects.create(
        person=current,
        from_level=old,
        to_level=level,
        reason=reason,
        changed_by=actor,
        changed_at=timezone.now(),
    )
    person.level, person.version = current.level, current.version
    return change


def may_set_tier(user, region: Region) -> bool:
    """A node's tier (name, quota) is set by admins and city staff whose scope holds it."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.can_place_at_city_level
        and write_scope(user).contains(region)
    )


@transaction.atomic
def tier_set(
    *, actor, region: Region, quota: int | None, name: str | None = None, request=None
) -> Tier:
    """Set the name and quota of a node's tier (set up with defaults if new)."""
    if not may_set_tier(actor, region):
        raise LevelError(f"{region.name}的分级只能由本级及上级的系统管理员和市级工作人员设置")
    if quota is not None and not 0 <= quota <= 100_000:
        raise LevelError(f"{region.name}的名额应在0到100000之间")
    name = (name or "").strip()
    if len(name) > 30:
        raise LevelError(f"{region.name}的分级名称不能超过30字")
    tier = writes.locked(Tier.objects.filter(region=region)).first()
    if tier is None:
        tier = Tier(region=region, name=name or tiers.default_tier_name(region), quota=quota)
        return writes.create_audited(
            tier,
            actor=actor,
            changes={"name": [None, tier.name], "quota": [None, quota]},
            request=request,
            region=region,
        )
    changes = {}
    if quota != tier.quota:
        changes["quota"] = [tier.quota, quota]
    if name and name != tier.name:
        changes["name"] = [tier.name, name]
    if not changes:
        return tier
    tier.quota = quota
    tier.name = name or tier.name
    return writes.save_audited(
        tier,
        actor=actor,
        fields=["quota", "name"],
        action=AuditEntry.Action.UPDATE,
        changes=changes,
        request=request,
        region=region,
    )


@transaction.atomic
def review_cycle_start(*, actor, year: int, request=None) -> ReviewCycle:
    """Open the year's review; every active person is due in it."""
    if not actor.can_place_at_city_level:
        raise LevelError("年度更新由市级工作人员发起")
    this_year = timezone.localdate().year
    if not this_year - 1 <= year <= this_year + 1:
        raise LevelError(f"年度应在{this_year - 1}年到{this_year + 1}年之间")
    if ReviewCycle.objects.filter(year=year).exists():
        raise LevelError(f"{year}年度更新已经发起")
    cycle = ReviewCycle(year=year, started_by=actor, started_at=timezone.now())
    return writes.create_audited(cycle, actor=actor, changes={"year": year}, request=request)


@transaction.atomic
def person_review_mark(
    *, actor, cycle: ReviewCycle, person: Person, note: str = "", request=None
) -> PersonReview:
    """Record that `actor` reviewed `person`'s record in `cycle`."""
    note = (note or "").strip()
    if len(note) > 200:
        raise LevelError("复核说明不能超过200字")
    _require_may_write(actor, person)
    if person.is_archived:
        raise LevelError("已出库人员不在年度更新范围内")
    if PersonReview.objects.filter(cycle=cycle, person=person).exists():
        raise LevelError(f"{person.name}在{cycle.year}年度已复核")
    review = PersonReview(
        cycle=cycle, person=person, reviewed_by=actor, reviewed_at=timezone.now(), note=note
    )
    try:
        with transaction.atomic():
            writes.create_tracked(review, actor=actor)
    except IntegrityError:
        raise LevelError(f"{person.name}在{cycle.year}年度已复核") from None
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=request,
        obj=person,
        changes={"review": f"{cycle.year}年度复核", "note": note},
    )
    return review
