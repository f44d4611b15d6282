"""Writes to qualification conditions: validated, audited, never deleted
(a condition no longer wanted is deactivated, its history kept)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from tongxin.audit.models import AuditEntry
from tongxin.core import writes
from tongxin.core.changes import apply_changes

from .checks import FIELDS, NUMBER, describe, validate_value
from .models import Condition

CONDITION_FIELDS = [
    "name",
    "field",
    "operator",
    "value",
    "failure_message",
    "is_active",
    "sort_order",
]


def _validate(data: dict) -> None:
    field = FIELDS.get(data.get("field"))
    if field is None:
        raise ValidationError({"field": "请选择检查项"})
    if data.get("operator") not in field.operators:
        raise ValidationError({"operator": f"“{field.label}”不能使用这个运算"})
    validate_value(field, data["operator"], data.get("value"))
    if field.kind == NUMBER:
        data["value"] = int(data["value"])


def _audit_text(condition: Condition) -> dict:
    return {"condition": describe(condition), "failure_message": condition.failure_message}


@transaction.atomic
def condition_create(*, actor, data: dict, request=None) -> Condition:
    data = {f: data[f] for f in CONDITION_FIELDS if f in data}
    _validate(data)
    condition = Condition(**data)
    return writes.create_audited(
        condition, actor=actor, changes=_audit_text(condition), request=request
    )


@transaction.atomic
def condition_update(*, actor, condition: Condition, data: dict, request=None) -> Condition:
    current = writes.lock(Condition, condition.pk)
    merged = {f: data.get(f, getattr(current, f)) for f in CONDITION_FIELDS}
    _validate(merged)
    before = describe(current)
    changes = apply_changes(current, merged)
    if not changes:
        return current
    if "value" in changes or "field" in changes or "operator" in changes:
        changes.pop("value", None)
        changes["condition"] = [before, describe(current)]
    return writes.save_audited(
        current,
        actor=actor,
        fields=[f for f in CONDITION_FIELDS if f in merged],
        action=AuditEntry.Action.UPDATE,
        changes=changes,
        request=request,
    )
