"""Personal links: issued and revoked by staff, confirmed and signed out by
the person, with the attempt limits."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, get_random_string

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log, client_ip
from tongxin.core import writes
from tongxin.people.models import Person

from ..models import (
    DEMO_TOKEN_PREFIX,
    ConfirmAttempt,
    PersonalLink,
    new_token,
    token_hash,
)
from .common import PortalError, person_username

MAX_VALID_DAYS = 366


# --- links (staff) -----------------------------------------------------------------


@dataclass(frozen=True)
class IssuedLink:
    link: PersonalLink
    token: str  # shown once (letter, SMS text); only its hash is stored


@transaction.atomic
def links_issue(
    *, actor, persons: list[Person], valid_days: int, purpose: str = "", request=None
) -> list[IssuedLink]:
    """One new link per person. Every person must be writable by `actor`
    (the caller checked; checked again here, so no caller can forget)."""
    if not 1 <= valid_days <= MAX_VALID_DAYS:
        raise PortalError(f"有效天数应在1至{MAX_VALID_DAYS}天之间", "valid_days")
    if not persons:
        raise PortalError("没有可发放链接的人员", "persons")
    writable = set(
        Person.objects.writable_by(actor)
        .filter(pk__in=[p.pk for p in persons])
        .values_list("pk", flat=True)
    )
    if len(writable) != len({p.pk for p in persons}):
        raise PortalError("只能为您有权修改的人员发放链接", "persons")
    archived = [p.name for p in persons if p.status != Person.Status.ACTIVE]
    if archived:
        raise PortalError(f"已出库人员不能发放个人链接：{'、'.join(archived[:5])}", "persons")
    until = timezone.now() + datetime.timedelta(days=valid_days)
    issued = []
    for person in persons:
        token = new_token()
        link = PersonalLink.objects.create(
            person=person,
            token_hash=token_hash(token),
            valid_until=until,
            purpose=purpose.strip()[:100],
            created_by=actor,
        )
        audit_log(
            action=AuditEntry.Action.CREATE,
            user=actor,
            request=request,
            obj=link,
            region=person.region,
            object_repr=f"{person.name}的个人链接 #{link.pk}",
            changes={
                "valid_until": [None, timezone.localtime(until).isoformat()],
                "purpose": purpose,
            },
        )
        issued.append(IssuedLink(link, token))
    return issued


@transaction.atomic
def link_revoke(*, actor, link: PersonalLink, request=None) -> PersonalLink:
    current = writes.lock(PersonalLink, link.pk)
    if current.revoked_at:
        raise PortalError("该链接已撤销")
    current.revoked_at = timezone.now()
    current.revoked_by = actor
    current.session_key = ""
    return writes.save_audited(
        current,
        actor=actor,
        fields=["revoked_at", "revoked_by", "session_key"],
        action=AuditEntry.Action.UPDATE,
        changes={"state": ["有效", "已撤销"]},
        request=request,
        region=current.person.region,
        object_repr=f"{current.person.name}的个人链接 #{current.pk}",
    )


def link_for_token(token: str) -> PersonalLink | None:
    """The link of `token`, usable or not; None for anything unknown."""
    if not token or len(token) > 100:
        return None
    if token.startswith(DEMO_TOKEN_PREFIX) and not (settings.DEMO or settings.DEBUG):
        return None
    return (
        PersonalLink.objects.select_related("person").filter(token_hash=token_hash(token)).first()
    )


# --- confirmation (the person) -------------------------------------------------------


def address_is_limited(request) -> bool:
    """Too many failed confirmations or unknown links from this address lately."""
    since = timezone.now() - datetime.timedelta(minutes=settings.PORTAL_ADDRESS_WINDOW_MINUTES)
    recent = ConfirmAttempt.objects.filter(ip_address=client_ip(request), at__gte=since)
    return recent.count() >= settings.PORTAL_ADDRESS_FAILURE_LIMIT


def _attempt_noted(request) -> None:
    """One failure counted for the client's address; those past the window go,
    so the table holds one window's failures however long an attack lasts."""
    since = timezone.now() - datetime.timedelta(minutes=settings.PORTAL_ADDRESS_WINDOW_MINUTES)
    ConfirmAttempt.objects.filter(at__lt=since).delete()
    ConfirmAttempt.objects.create(ip_address=client_ip(request))


@transaction.atomic
def unknown_link_noted(*, request) -> None:
    """An unknown, expired or revoked link was opened: counted for the address."""
    _attempt_noted(request)


def _matches(person: Person, id_suffix: str, birth_date: datetime.date | None) -> bool:
    cleaned = (id_suffix or "").strip().upper().replace(" ", "")
    expected = (person.id_number or "")[-6:].upper()
    same_suffix = len(cleaned) == 6 and constant_time_compare(cleaned, expected)
    return same_suffix and birth_date == person.birth_date


@transaction.atomic
def link_confirm(
    *, link: PersonalLink, id_suffix: str, birth_date: datetime.date | None, request=None
) -> str | None:
    """Check what only the person knows. Returns the new session key on success,
    None on a wrong answer (counted; the link locks at the limit)."""
    current = writes.lock(PersonalLink.objects.select_related("person"), link.pk)
    if not current.is_usable:
        return None
    username = person_username(current)
    if not _matches(current.person, id_suffix, birth_date):
        _attempt_noted(request)
        current.failed_attempts = F("failed_attempts") + 1
        current.save(update_fields=["failed_attempts"])
        current.refresh_from_db(fields=["failed_attempts"])
        changes = {"failed_attempts": current.failed_attempts}
        if current.failed_attempts >= settings.PORTAL_LINK_FAILURE_LIMIT:
            current.locked_at = timezone.now()
            current.session_key = ""
            current.save(update_fields=["locked_at", "session_key"])
            changes["locked"] = True
        audit_log(
            action=AuditEntry.Action.LOGIN_FAILED,
            request=request,
            obj=current,
            region=current.person.region,
            username=username,
            object_repr=f"{current.person.name}的个人链接 #{current.pk}",
            changes=changes,
        )
        return None
    current.session_key = get_random_string(32)
    current.last_confirmed_at = timezone.now()
    current.save(update_fields=["session_key", "last_confirmed_at"])
    audit_log(
        action=AuditEntry.Action.LOGIN,
        request=request,
        obj=current.person,
        username=username,
        changes={"link": current.pk},
    )
    return current.session_key


def person_page_viewed(*, link: PersonalLink, page: str, request=None) -> None:
    """Every page the person opens is in the audit log (PIPL: access is logged)."""
    audit_log(
        action=AuditEntry.Action.EXPORT if page == "下载本人信息" else AuditEntry.Action.VIEW,
        request=request,
        obj=link.person,
        username=person_username(link),
        changes={"page": page},
    )


@transaction.atomic
def link_sign_out(*, link: PersonalLink, request=None) -> None:
    PersonalLink.objects.filter(pk=link.pk).update(session_key="")
    audit_log(
        action=AuditEntry.Action.LOGOUT,
        request=request,
        obj=link.person,
        username=person_username(link),
    )
