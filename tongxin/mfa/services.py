"""Two-factor authentication: an authenticator app (TOTP) plus ten one-time
recovery codes, on top of django-otp's devices.

A user is *enrolled* when they have a confirmed TOTPDevice; their recovery
codes are the tokens of their one StaticDevice. Codes and secrets never reach
an audit entry or a log: entries say only what happened.
"""

import math
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tongxin.accounts.models import User
from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core import writes

RECOVERY_CODE_COUNT = 10
# Set at login (signals.py) when the user has an authenticator, so that the
# middleware asks nothing of the database for the many users without one.
ENROLLED_SESSION_KEY = "mfa_enrolled"
# The secret being set up lives in the (server-side) session until the user
# proves with a code that their app has it; only then is a device saved.
PENDING_KEY_SESSION_KEY = "mfa_pending_key"

WRONG_CODE = "验证码不正确或已过期。"
AUDIT_FIELD = "两步验证"


class Policy:
    ADMIN = "admin"
    ALL = "all"
    NONE = "none"
    CHOICES = (ADMIN, ALL, NONE)


def second_factor_required(user: User) -> bool:
    """Whether settings.MFA_REQUIRED obliges `user` to use a second factor."""
    policy = settings.MFA_REQUIRED
    return policy == Policy.ALL or (policy == Policy.ADMIN and user.is_system_admin)


def authenticator_for(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def is_enrolled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def normalize_code(code: str) -> str:
    """People type codes with spaces or the hyphen we print them with."""
    return re.sub(r"[\s\-]", "", code or "").lower()


def format_recovery_code(token: str) -> str:
    return f"{token[:4]}-{token[4:]}"


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with ten new ones and return them.

    The StaticDevice itself is kept: a session verified with a recovery code
    points at it and must stay verified after the user makes new codes.
    """
    device = StaticDevice.objects.filter(user=user).first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name="恢复码", confirmed=True)
    device.token_set.all().delete()
    codes = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        codes.add(StaticToken.random_token())
    codes = sorted(codes)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return [format_recovery_code(c) for c in codes]


@transaction.atomic
def second_factor_enrol(*, user: User, key: str, code: str, request=None) -> list[str]:
    """Bind the authenticator holding `key` once `code` proves the app has it.

    Returns the new recovery codes, which are shown once and never again.
    Raises ValidationError({"code": …}) when the code is wrong; nothing is saved.
    """
    if is_enrolled(user):
        raise ValidationError(
            {"code": "已经启用了两步验证；如需更换手机，请先停用或请管理员重置。"}
        )
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=user, name="验证器", key=key, confirmed=False)
    # django-otp's own check, so the accepted time step is recorded and this
    # code cannot be replayed.
    if not device.verify_token(normalize_code(code)):
        raise ValidationError({"code": WRONG_CODE})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=user,
        request=request,
        obj=user,
        changes={AUDIT_FIELD: f"启用（绑定验证器，生成{RECOVERY_CODE_COUNT}个恢复码）"},
    )
    if request is not None:
        otp_login(request, device)
        request.session[ENROLLED_SESSION_KEY] = True
    return codes


@transaction.atomic
def recovery_codes_regenerate(*, user: User, request=None) -> list[str]:
    """New recovery codes for an enrolled user; the old ones stop working."""
    if not is_enrolled(user):
        raise ValidationError("尚未启用两步验证。")
    codes = _new_recovery_codes(user)
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=user,
        request=request,
        obj=user,
        changes={AUDIT_FIELD: "重新生成恢复码（原恢复码作废）"},
    )
    return codes


def _device_for_code(user: User, code: str) -> Device | None:
    # Authenticator codes are 6 digits; recovery codes 8 letters and digits.
    if code.isdigit() and len(code) == 6:
        return authenticator_for(user)
    if not is_enrolled(user):
        return None
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


def _throttled_message(locked_until) -> str:
    seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
    return f"验证码错误次数过多，请{seconds}秒后再试。"


def _check_code(*, user: User, code: str, purpose: str, request=None) -> Device:
    """The device that accepts `code` (consuming it), or ValidationError.

    Not one transaction with the caller's work on purpose: the failure count
    that throttles guessing, and the audit entry of the failure, must be kept
    when the check fails.
    """
    code = normalize_code(code)
    device = _device_for_code(user, code)
    error = WRONG_CODE
    with transaction.atomic():
        if device is not None:
            device = writes.lock(type(device), device.pk)
            allowed, info = device.verify_is_allowed()
            if not allowed:
                error = _throttled_message(info["locked_until"])
            elif device.verify_token(code):
                return device
        audit_log(
            action=AuditEntry.Action.LOGIN_FAILED,
            user=user,
            request=request,
            obj=user,
            changes={AUDIT_FIELD: f"{purpose}：{error.rstrip('。')}"},
        )
    raise ValidationError({"code": error})


def second_factor_verify(*, user: User, code: str, request) -> Device:
    """Verify this session with an authenticator or a recovery code.

    A recovery code is used up. Raises ValidationError({"code": …}) with a
    wrong code or while attempts are throttled.
    """
    device = _check_code(user=user, code=code, purpose="登录验证", request=request)
    with transaction.atomic():
        if isinstance(device, StaticDevice):
            left = device.token_set.count()
            note = f"通过（使用恢复码，剩余{left}个）"
        else:
            note = "通过（验证器）"
        audit_log(
            action=AuditEntry.Action.LOGIN,
            user=user,
            request=request,
            obj=user,
            changes={AUDIT_FIELD: note},
        )
    # A new session id once the second factor is proven, as at password login.
    request.session.cycle_key()
    otp_login(request, device)
    request.session[ENROLLED_SESSION_KEY] = True
    return device


def _delete_devices(user: User) -> int:
    totp, _ = TOTPDevice.objects.filter(user=user).delete()
    static, _ = StaticDevice.objects.filter(user=user).delete()
    return totp + static


def second_factor_disable(*, user: User, code: str, request=None) -> None:
    """The user turns off their own optional two-factor, proving it with a code.

    Refused (ValidationError) when the setting requires it for this user.
    """
    if second_factor_required(user):
        raise ValidationError({"code": "系统要求你的账号使用两步验证，不能停用。"})
    _check_code(user=user, code=code, purpose="停用两步验证", request=request)
    with transaction.atomic():
        _delete_devices(user)
        audit_log(
            action=AuditEntry.Action.UPDATE,
            user=user,
            request=request,
            obj=user,
            changes={AUDIT_FIELD: "本人停用（验证器和恢复码已删除）"},
        )
    if request is not None:
        request.session[ENROLLED_SESSION_KEY] = False


@transaction.atomic
def second_factor_reset(*, actor: User, user: User, request=None) -> None:
    """A system administrator clears `user`'s authenticator and recovery codes
    (a lost phone). Sessions verified with them are no longer verified; if the
    setting requires two-factor for the user, they enrol again at once."""
    _delete_devices(user)
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=request,
        obj=user,
        changes={AUDIT_FIELD: "由管理员重置（验证器和恢复码已删除）"},
    )
