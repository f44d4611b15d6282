import ipaddress
from typing import Any

from django.conf import settings
from django.db import models

from .models import AuditEntry


def client_ip(request) -> str | None:
    """The address of the person at the keyboard, for the audit log and the login lockout.

    Behind a reverse proxy (TONGXIN_BEHIND_PROXY) REMOTE_ADDR is the proxy's;
    then the last X-Forwarded-For entry, the one our proxy wrote, is the
    client's. Only a request that really comes from a trusted proxy is
    believed, and anything that is not an address falls back to REMOTE_ADDR,
    so a client cannot pick the address it is counted under.
    """
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or None
    if not (settings.BEHIND_PROXY and remote in settings.TRUSTED_PROXIES):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(forwarded))
    except ValueError:
        return remote


def audit_log(
    *,
    action: str,
    user=None,
    request=None,
    obj: models.Model | None = None,
    region=None,
    changes: dict[str, Any] | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    username: str = "",
) -> AuditEntry:
    """Write one audit entry. Called inside the caller's transaction, so a
    write that rolls back leaves no entry claiming it happened."""
    if user is None and request is not None and request.user.is_authenticated:
        user = request.user
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
        if region is None:
            region = getattr(obj, "region", None)
    return AuditEntry.objects.create(
        user=user if (user is not None and user.is_authenticated) else None,
        username=username
        or (user.get_username() if user is not None and user.is_authenticated else ""),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        region=region,
        changes=changes or {},
        ip_address=client_ip(request),
    )
