"""Writes to staff accounts. Each runs in one transaction and leaves an audit
entry; passwords never appear in the entry, only the fact that one was set."""

from collections.abc import Iterable

from axes.utils import reset as axes_reset
from django.core.exceptions import ValidationError
from django.db import transaction

from tongxin.audit.changes import apply_changes, initial_values
from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.regions.models import Region

from .models import User


def _region_names(regions: Iterable[Region]) -> list[str]:
    return [r.name for r in sorted(regions, key=lambda r: (r.sort_order, r.code))]


def check_role_regions(role: str, regions: Iterable[Region]) -> None:
    """County staff see only their regions, so an account without one would see nothing."""
    if role == User.Role.COUNTY and not list(regions):
        raise ValidationError({"regions": "县区工作人员至少要选择一个负责区域。"})


def _check_not_locking_out_self(*, actor: User, user: User, role: str, is_active: bool) -> None:
    """An administrator may not take away their own access: nobody could give it back."""
    if actor.pk != user.pk:
        return
    errors = {}
    if role != User.Role.ADMIN and not user.is_superuser:
        errors["role"] = "不能取消自己的系统管理员角色，请由其他管理员操作。"
    if not is_active:
        errors["is_active"] = "不能停用自己的账号。"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def user_create(*, actor: User, data: dict, password: str, request=None) -> User:
    """Create a staff account. `data`: username, display_name, role, regions."""
    regions = list(data.get("regions") or [])
    check_role_regions(data["role"], regions)
    user = User(
        username=data["username"],
        display_name=data.get("display_name", ""),
        role=data["role"],
    )
    user.set_password(password)
    user.save(force_insert=True)
    user.regions.set(regions)
    changes = initial_values(user, ["username", "display_name", "role", "is_active"])
    if regions:
        changes["regions"] = [None, _region_names(regions)]
    audit_log(
        action=AuditEntry.Action.CREATE,
        user=actor,
        request=request,
        obj=user,
        changes=changes,
    )
    return user


@transaction.atomic
def user_update(*, actor: User, user: User, data: dict, request=None) -> User:
    """Change a staff account. `data`: display_name, role, regions, is_active.

    Raises ValidationError keyed by field when a county account would have no
    region or an administrator would lock themselves out.
    """
    current = User.objects.select_for_update().get(pk=user.pk)
    new_regions = list(data["regions"]) if "regions" in data else None
    role = data.get("role", current.role)
    is_active = data.get("is_active", current.is_active)
    old_regions = list(current.regions.all())
    check_role_regions(role, old_regions if new_regions is None else new_regions)
    _check_not_locking_out_self(actor=actor, user=current, role=role, is_active=is_active)

    fields = {f: data[f] for f in ("display_name", "role", "is_active") if f in data}
    changes = apply_changes(current, fields)
    if changes:
        current.save(update_fields=list(changes))
    if new_regions is not None and {r.pk for r in new_regions} != {r.pk for r in old_regions}:
        current.regions.set(new_regions)
        changes["regions"] = [_region_names(old_regions), _region_names(new_regions)]
    if changes:
        audit_log(
            action=AuditEntry.Action.UPDATE,
            user=actor,
            request=request,
            obj=current,
            changes=changes,
        )
    return current


@transaction.atomic
def user_set_password(*, actor: User, user: User, password: str, request=None) -> User:
    """Set a new password (already validated) and lift any login lockout.

    The user's other sessions end, because their session hash no longer matches.
    """
    current = User.objects.select_for_update().get(pk=user.pk)
    current.set_password(password)
    current.save(update_fields=["password"])
    axes_reset(username=current.username)
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=request,
        obj=current,
        changes={"password": "已由管理员重设"},
    )
    return current
