"""Level moves, quotas and the annual review: every write validated, in one
transaction, with history and an audit entry."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.people.models import Person
from tongxin.people.services import refuse_if_stale
from tongxin.regions.models import Region
from tongxin.regions.scope import writes_records

from .models import LevelChange, PersonReview, Quota, ReviewCycle


class LevelError(ValueError):
    """A request the rules refuse; the message is shown to the user as is."""


def _require_may_write(actor, person: Person) -> None:
    if not writes_records(actor):
        raise LevelError("您没有修改人员信息的权限")
    if not Person.objects.writable_by(actor).filter(pk=person.pk).exists():
        raise LevelError("只能处理本区域的人员")


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
    """Move `person` to `level` for `reason`.

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
    current = Person.objects.select_for_update().get(pk=person.pk)
    _require_may_write(actor, current)
    refuse_if_stale(current, expected_version)
    if current.is_archived:
        raise LevelError("已出库人员不能调整分级")
    if current.level == level:
        raise LevelError(f"该人员已是“{Person.Level(level).label}”")
    city = Person.Level.CITY
    if city in (level, current.level) and not actor.can_place_at_city_level:
        raise LevelError("只有市级工作人员可以将人员列为或移出市级重点联系")

    old = current.level
    old_label, new_label = Person.Level(old).label, Person.Level(level).label
    current.level = level
    current.version += 1
    current._history_user = actor
    current._change_reason = f"分级调整：{old_label} → {new_label}（{reason}）"
    current.save(update_fields=["level", "version", "updated_at"])
    change = LevelChange.objects.create(
        person=current,
        from_level=old,
        to_level=level,
        reason=reason,
        changed_by=actor,
        changed_at=timezone.now(),
    )
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=request,
        obj=current,
        changes={"level": [old_label, new_label], "reason": reason},
    )
    person.level, person.version = current.level, current.version
    return change


@transaction.atomic
def quota_set(*, actor, region: Region, level: str, quota: int, request=None) -> Quota:
    """Set a region's quota at a level (admins and city staff)."""
    if not actor.can_place_at_city_level:
        raise LevelError("只有系统管理员和市级工作人员可以设置名额")
    if level not in Quota.QuotaLevel.values:
        raise LevelError("名额只按市级重点联系和县区联系设置")
    if quota < 0 or quota > 100_000:
        raise LevelError(f"{region.name}的名额应在0到100000之间")
    row = Quota.objects.select_for_update().filter(region=region, level=level).first()
    old = row.quota if row else None
    if row is not None and row.quota == quota:
        return row
    if row is None:
        row = Quota(region=region, level=level, quota=quota)
        row._history_user = actor
        row.save(force_insert=True)
    else:
        row.quota = quota
        row._history_user = actor
        row.save(update_fields=["quota", "updated_at"])
    audit_log(
        action=AuditEntry.Action.UPDATE if old is not None else AuditEntry.Action.CREATE,
        user=actor,
        request=request,
        obj=row,
        region=region,
        changes={"quota": [old, quota], "level": Person.Level(level).label},
    )
    return row


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
    cycle._history_user = actor
    cycle.save(force_insert=True)
    audit_log(
        action=AuditEntry.Action.CREATE,
        user=actor,
        request=request,
        obj=cycle,
        changes={"year": year},
    )
    return cycle


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
    review._history_user = actor
    try:
        with transaction.atomic():
            review.save(force_insert=True)
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
