from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import AuditEntry
from .services import audit_log


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_log(action=AuditEntry.Action.LOGIN, user=user, request=request)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_log(action=AuditEntry.Action.LOGOUT, user=user, request=request)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    reason = (
        "使用演示密码（生产模式下禁止）" if getattr(request, "demo_password_refused", False) else ""
    )
    audit_log(
        action=AuditEntry.Action.LOGIN_FAILED,
        request=request,
        username=username,
        changes={"reason": reason} if reason else {},
    )
