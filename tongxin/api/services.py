"""Writes of the API app: clients and their tokens, the audit row of every
call, and the batch upsert of persons. Keyword-only, atomic, audited."""

import datetime
import secrets
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core import pii, writes
from tongxin.core.access import require_system_admin
from tongxin.imports.validation import IMPORTABLE_FIELDS, RowResult, RowValidator
from tongxin.people.models import Person
from tongxin.people.services import person_create, person_update
from tongxin.regions.models import Region
from tongxin.regions.scope import write_scope

from .errors import ApiError, ErrorItem
from .models import TOKEN_PREFIX, ApiClient, token_digest

CLIENT_FIELDS = ["name", "region", "access", "unmasked_identifiers", "expires_on", "note"]
MAX_BATCH = 1000


class ClientError(ValueError):
    """A client form that cannot be saved: {field: message}."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("；".join(errors.values()))


def _new_token() -> tuple[str, str, str]:
    """(token, its digest, the hint shown in lists)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, token_digest(token), token[: len(TOKEN_PREFIX) + 4]


def _check_client(*, actor, data: dict) -> None:
    require_system_admin(actor)
    errors = {}
    region = data.get("region")
    if region is None or not write_scope(actor).contains(region):
        errors["region"] = "限定区域必须在您负责的区域之内"
    if data.get("expires_on") and data["expires_on"] < timezone.localdate():
        errors["expires_on"] = "有效期至不能早于今天"
    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = "请填写客户端名称"
    elif ApiClient.objects.filter(name=name).exists():
        errors["name"] = "已有同名的接口客户端"
    if errors:
        raise ClientError(errors)


@transaction.atomic
def api_client_create(*, actor, data: dict, request=None) -> tuple[ApiClient, str]:
    """Create a client; returns it with its token, which is shown once and
    stored only as a digest."""
    _check_client(actor=actor, data=data)
    token, digest, hint = _new_token()
    client = ApiClient(
        **{name: data[name] for name in CLIENT_FIELDS if name in data},
        token_digest=digest,
        token_hint=hint,
        created_by=actor,
    )
    client.name = client.name.strip()
    writes.create_audited(client, actor=actor, fields=CLIENT_FIELDS, request=request)
    return client, token


@transaction.atomic
def api_client_rotate(*, actor, client: ApiClient, request=None) -> str:
    """A new token for `client`; the old one stops working at once."""
    require_system_admin(actor)
    client = writes.lock(ApiClient, client.pk)
    if client.is_revoked:
        raise ClientError({"": "已停用的客户端不能更换令牌"})
    token, digest, hint = _new_token()
    old_hint = client.token_hint
    client.token_digest, client.token_hint = digest, hint
    client.token_issued_at = timezone.now()
    writes.save_audited(
        client,
        actor=actor,
        fields=["token_digest", "token_hint", "token_issued_at"],
        action=AuditEntry.Action.UPDATE,
        changes={"token_hint": [f"{old_hint}…", f"{hint}…（已更换令牌）"]},
        request=request,
    )
    return token


@transaction.atomic
def api_client_revoke(*, actor, client: ApiClient, request=None) -> ApiClient:
    """Stop the client for good: its token is refused from now on."""
    require_system_admin(actor)
    client = writes.lock(ApiClient, client.pk)
    if client.is_revoked:
        return client
    client.revoked_at = timezone.now()
    return writes.save_audited(
        client,
        actor=actor,
        fields=["revoked_at"],
        action=AuditEntry.Action.UPDATE,
        changes={"state": ["有效", "已停用"]},
        request=request,
    )


def api_call_record(
    *, client: ApiClient, request, route: str, status: int, touched: dict[str, list]
) -> AuditEntry:
    """The audit row of one call: which client, which route, which records."""
    reads = request.method in {"GET", "HEAD"}
    return audit_log(
        action=AuditEntry.Action.VIEW if reads else AuditEntry.Action.IMPORT,
        request=request,
        username=f"接口：{client.name}"[:150],
        object_type="api.call",
        object_id=str(client.pk),
        object_repr=f"{request.method} {request.path}"[:200],
        region=client.region,
        changes={
            "client": client.name,
            "route": route,
            "method": request.method,
            "query": request.META.get("QUERY_STRING", "")[:500],
            "status": status,
            "touched": touched,
            "identifiers": "完整" if client.unmasked_identifiers else "打码",
        },
    )


# --- batch upsert of persons ----------------------------------------------------


@dataclass
class UpsertOutcome:
    results: list[dict] = field(default_factory=list)
    errors: list[ErrorItem] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    written: list[int] = field(default_factory=list)


def _validator_for(client: ApiClient) -> RowValidator:
    """The import's row checks, limited to the client's node as a user's are to
    their placement (the validator takes no client, so its two limits are set
    from the client's scope here)."""
    validator = RowValidator(user=None)
    writable = client.write_scope().regions().filter(is_active=True)
    validator.writable_region_ids = set(writable.values_list("id", flat=True))
    validator.default_region = None
    if len(validator.writable_region_ids) == 1:
        validator.default_region = Region.objects.get(pk=next(iter(validator.writable_region_ids)))
    # The city tier is set by city staff: a client limited to a node below a city may not.
    validator.may_place_city = client.region.kind in CITY_OR_ABOVE
    return validator


CITY_OR_ABOVE = {Region.Kind.PROVINCE, Region.Kind.CITY}


def _existing(numbers: list[str]) -> dict[str, Person]:
    ring = pii.keyring()
    hashes = [pii.id_number_hash(n, ring=ring) for n in numbers]
    return {p.id_number: p for p in Person.objects.filter(id_number_hash__in=hashes)}


def _check_items(
    *, client: ApiClient, items: list[dict], on_existing: str
) -> tuple[list[RowResult], list[ErrorItem]]:
    validator = _validator_for(client)
    results, errors = [], []
    for index, item in enumerate(items):
        unknown = [name for name in item if name not in IMPORTABLE_FIELDS]
        cells = {name: value for name, value in item.items() if name in IMPORTABLE_FIELDS}
        result = validator.parse_cells(index, cells)
        for name in unknown:
            result.errors.append((name, f"不能写入的字段：{name}"))
        results.append(result)

    first_seen: dict[str, int] = {}
    for result in results:
        number = result.id_number
        if number and number in first_seen:
            result.outcome = "duplicate"
            result.errors.append(("id_number", f"与第{first_seen[number]}项的公民身份号码重复"))
        elif number:
            first_seen[number] = result.row_number

    existing = _existing(list(first_seen))
    readable = client.read_scope()
    for result in results:
        if result.outcome == "duplicate":
            continue
        person = existing.get(result.id_number)
        if person is not None and not readable.contains(person.region_id):
            # As on the registration form: that it exists elsewhere, nothing more.
            result.errors.append(("id_number", "该公民身份号码已在其他区域登记"))
            result.outcome = "invalid"
            continue
        validator.finish(result, person)
        if result.errors:
            result.outcome = "invalid"
        elif person is None:
            result.outcome = "create"
        else:
            result.person = person
            changed = {
                name: value
                for name, value in result.values.items()
                if _differs(getattr(person, Person._meta.get_field(name).attname), _raw(value))
            }
            result.changes = changed
            if not changed:
                result.outcome = "unchanged"
            else:
                result.outcome = "update" if on_existing == "update" else "skip"
    for result in results:
        if result.outcome in {"invalid", "duplicate"}:
            for name, message in result.errors:
                errors.append(ErrorItem(index=result.row_number, field=name, message=message))
    return results, errors


def _raw(value):
    return value.pk if hasattr(value, "_meta") else value


def _differs(old, new) -> bool:
    return old != new and not (old in (None, "") and new in (None, ""))


@transaction.atomic
def persons_upsert(
    *,
    client: ApiClient,
    items: list[dict],
    all_or_nothing: bool = False,
    on_existing: str = "update",
    request=None,
) -> UpsertOutcome:
    """Create or update persons keyed by resident ID, with the import's checks.

    Each item maps field names (as in the roster import: name, id_number,
    region by name or code, dictionary entries by name …) to values. With
    `all_or_nothing`, one invalid item means nothing is written (ApiError 422
    naming every item); otherwise the valid items are written and the
    invalid ones reported.
    """
    if not client.may_write:
        raise ApiError(403, "forbidden", "该接口客户端为只读，不能写入数据")
    if not items:
        raise ApiError(
            422, "invalid", "“数据项”不能为空", [ErrorItem(field="items", message="请至少提交一项")]
        )
    if len(items) > MAX_BATCH:
        raise ApiError(
            422,
            "invalid",
            f"“数据项”一次最多{MAX_BATCH}项（当前{len(items)}项）",
            [ErrorItem(field="items", message=f"一次最多{MAX_BATCH}项")],
        )
    results, errors = _check_items(client=client, items=items, on_existing=on_existing)
    if errors and all_or_nothing:
        invalid = len({e.index for e in errors})
        raise ApiError(422, "invalid", f"{invalid}项数据有误，未写入任何数据", errors)

    reason = f"接口：{client.name}"
    outcome = UpsertOutcome(errors=errors)
    for result in results:
        entry = {"index": result.row_number, "outcome": result.outcome, "id": None}
        if result.outcome == "create":
            person = person_create(actor=None, data=result.values, request=request, reason=reason)
            entry["id"] = person.pk
            outcome.written.append(person.pk)
        elif result.outcome == "update":
            person = person_update(
                actor=None,
                person=result.person,
                data=result.changes,
                expected_version=result.person.version,
                request=request,
                reason=reason,
            )
            entry["id"] = person.pk
            entry["changed"] = sorted(result.changes)
            outcome.written.append(person.pk)
        elif result.outcome in {"unchanged", "skip"}:
            entry["id"] = result.person.pk
        entry["warnings"] = [
            {"field": name, "message": message} for name, message in result.warnings
        ]
        outcome.results.append(entry)
    names = ["create", "update", "unchanged", "skip", "invalid", "duplicate"]
    outcome.counts = {name: sum(r["outcome"] == name for r in outcome.results) for name in names}
    return outcome


def expiry_default() -> datetime.date:
    """A new client's token lasts a year unless the administrator says otherwise."""
    return timezone.localdate() + datetime.timedelta(days=365)
