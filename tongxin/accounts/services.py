"""Writes to staff accounts. Each runs in one transaction and leaves an audit
entry; passwords never appear in the entry, only the fact that one was set."""

from collections.abc import Iterable

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core import writes
from tongxin.core.changes import apply_changes, initial_values
from tongxin.regions.models import Region

from .models import PasswordHistory, User
from .password_validation import PASSWORD_HISTORY_COUNT


def _region_names(regions: Iterable[Region]) -> list[str]:
    return [r.name for r in sorted(regions, key=lambda r: (r.sort_order, r.code))]


def check_role_regions(role: str, regions: Iterable[Region]) -> None:
    """Every account but an evaluator's works inside the subtrees it is placed
    at (tongxin.regions.scope), so one placed nowhere would see nothing."""
    if role != User.Role.EVALUATOR and not list(regions):
        raise ValidationError(
            {"regions": "请至少选择一个所在区域：账号只能看到所在区域及其下级区域的记录。"}
        )


def check_user_update(
    *, actor: User, user: User, role: str, is_active: bool, regions: Iterable[Region]
) -> None:
    """Raise ValidationError keyed by field if `actor` may not give `user` these values.

    user_update applies it; a form that saves through user_update (the Django
    admin's) calls it in clean() to show the message on the field.
    """
    check_role_regions(role, regions)
    _check_not_locking_out_self(actor=actor, user=user, role=role, is_active=is_active)


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


PASSWORD_FIELDS = ["password", "password_changed_at", "must_change_password"]


def _password_assign(user: User, password: str, *, must_change: bool) -> None:
    """Set the password of `user`, not saved; `_password_remember` follows the save.

    Every service that sets a password goes through these two, so the history
    that PasswordHistoryValidator reads is complete.
    """
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.must_change_password = must_change


def _password_remember(user: User) -> None:
    """Keep the hash `user` was just saved with; only the newest
    PASSWORD_HISTORY_COUNT hashes are kept."""
    PasswordHistory.objects.create(
        user=user, password=user.password, created_at=user.password_changed_at
    )
    stale = user.password_history.order_by("-created_at", "-id").values_list("pk", flat=True)[
        PASSWORD_HISTORY_COUNT:
    ]
    PasswordHistory.objects.filter(pk__in=list(stale)).delete()


def _password_set(user: User, password: str, *, must_change: bool) -> None:
    """Set, save and remember the password of the existing account `user`."""
    _password_assign(user, password, must_change=must_change)
    user.save(update_fields=PASSWORD_FIELDS)
    _password_remember(user)


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
    # The administrator chose the first password, so the owner replaces it.
    _password_assign(user, password, must_change=True)
    changes = initial_values(user, ["username", "display_name", "role", "is_active"])
    if regions:
        changes["regions"] = [None, _region_names(regions)]

    def remember_and_place() -> None:
        _password_remember(user)
        user.regions.set(regions)

    return writes.create_audited(
        user, actor=actor, changes=changes, request=request, before_audit=remember_and_place
    )


@transaction.atomic
def user_update(*, actor: User, user: User, data: dict, request=None) -> User:
    """Change a staff account. `data`: display_name, role, regions, is_active.

    Raises ValidationError keyed by field when a county account would have no
    region or an administrator would lock themselves out.
    """
    current = writes.lock(User, user.pk)
    new_regions = list(data["regions"]) if "regions" in data else None
    role = data.get("role", current.role)
    is_active = data.get("is_active", current.is_active)
    old_regions = list(current.regions.all())
    check_user_update(
        actor=actor,
        user=current,
        role=role,
        is_active=is_active,
        regions=old_regions if new_regions is None else new_regions,
    )

    fields = {f: data[f] for f in ("display_name", "role", "is_active") if f in data}
    changes = apply_changes(current, fields)
    saved = list(changes)  # the regions are a many-to-many, set apart
    if new_regions is not None and {r.pk for r in new_regions} != {r.pk for r in old_regions}:
        current.regions.set(new_regions)
        changes["regions"] = [_region_names(old_regions), _region_names(new_regions)]
    if changes:
        writes.save_audited(
            current,
            actor=actor,
            fields=saved,
            action=AuditEntry.Action.UPDATE,
            changes=changes,
            request=request,
        )
    return current


@transaction.atomic
def user_set_password(*, actor: User, user: User, password: str, request=None) -> User:
    """Set a new password (already validated) and lift any login lockout.

    The owner must change it at the next login, unless the administrator
    reset their own. The user's other sessions end, because their session hash
    no longer matches.
    """
    current = writes.lock(User, user.pk)
    must_change = actor.pk != current.pk
    _password_set(current, password, must_change=must_change)
    axes_reset(username=current.username)
    changes = {"password": "已由管理员重设"}
    if must_change:
        changes["must_change_password"] = "下次登录须本人修改密码"
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=request,
        obj=current,
        changes=changes,
    )
    return current


@transaction.atomic
def user_change_own_password(*, user: User, password: str, reason: str = "", request=None) -> User:
    """The user replaces their own password (already validated, old one checked).

    `reason` says why, when the change was forced (首次登录 / 密码过期); it goes
    into the audit entry. Other sessions end because the session hash changes;
    the view keeps the current one.
    """
    current = writes.lock(User, user.pk)
    _password_set(current, password, must_change=False)
    changes = {"password": "本人修改"}
    if reason:
        changes["reason"] = reason
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=current,
        request=request,
        obj=current,
        changes=changes,
    )
    return current


@transaction.atomic
def user_logout_everywhere(*, user: User, request=None) -> User:
    """End every session of `user` at once by raising the session generation.

    The caller decides whether the current session stays (the view keeps it
    with update_session_auth_hash).
    """
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    current = User.objects.get(pk=user.pk)
    audit_log(
        action=AuditEntry.Action.LOGOUT,
        user=current,
        request=request,
        obj=current,
        changes={"scope": "退出所有设备：其他设备上的登录已全部失效"},
    )
    return current


@transaction.atomic
def login_lock_release(*, actor: User, kind: str, value: str, request=None) -> int:
    """Lift a login lock on an account (`kind` "username") or an address ("ip_address").

    Removes the failure counts behind it; returns how many records were
    removed. Nothing removed (the lock had already run out): no audit entry.
    """
    if not value:
        # axes' reset() with neither name nor address clears every record.
        raise ValueError("no account or address given")
    if kind == "username":
        removed = axes_reset(username=value)
        locked = f"账号 {value}"
        account = User.objects.filter(username=value).first()
    elif kind == "ip_address":
        removed = axes_reset(ip=value)
        locked = f"地址 {value}"
        account = None
    else:
        raise ValueError(f"unknown lock kind {kind!r}")
    if not removed:
        return 0
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=request,
        obj=account,
        object_type="" if account else "axes.accessattempt",
        object_repr=f"登录锁定：{locked}",
        changes={"login_lock": "已解除", "locked": locked, "records": removed},
    )
    return removed


def demo_password_users() -> list[User]:
    """Active accounts whose password is the published demo password.

    One Argon2 check per active account with a usable password: a records
    office has tens, at most a few hundred, staff accounts, so this costs a
    few seconds at most, and it runs only when the server starts or
    `check --deploy` is run, never on a request.
    """
    found = []
    for user in User.objects.filter(is_active=True).order_by("username"):
        # hashers.check_password, not user.check_password, which would re-hash
        # and save the row on a match.
        if user.has_usable_password() and check_password(settings.DEMO_PASSWORD, user.password):
            found.append(user)
    return found


@transaction.atomic
def demo_accounts_disable(*, actor: User | None = None) -> list[str]:
    """Deactivate the demo accounts and lock out every demo password; audited.

    For a deployment that was once a demo and is going into production. The
    accounts stay (audit entries refer to them); returns their usernames.
    """
    changed = []
    demo_users = set(User.objects.filter(is_active=True, is_demo_account=True))
    for user in sorted(demo_users | set(demo_password_users()), key=lambda u: u.username):
        changes = {}
        update_fields = []
        if user.is_demo_account and user.is_active:
            user.is_active = False
            update_fields.append("is_active")
            changes["is_active"] = [True, False]
        if user.has_usable_password() and check_password(settings.DEMO_PASSWORD, user.password):
            user.set_unusable_password()
            update_fields.append("password")
            changes["password"] = "演示密码已作废，须由管理员重设"
        user.save(update_fields=update_fields)
        audit_log(
            action=AuditEntry.Action.UPDATE,
            user=actor,
            obj=user,
            changes=changes,
            username=actor.get_username() if actor else "tongxin demo_accounts_disable",
        )
        changed.append(user.username)
    return changed
