from typing import Any

from django.db import models

from .models import AuditEntry


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


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
