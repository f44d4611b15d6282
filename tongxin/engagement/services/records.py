"""The writes every record type shares (create, update, cancel), their
validation and how a changed value is shown in the audit entry."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from tongxin.audit.models import AuditEntry
from tongxin.core.writes import create_audited, lock, save_audited
from tongxin.people.access import regions_writable_by

from ..models import (
    LEVELLED_TYPES,
    Nomination,
    Organisation,
    Position,
    RecordStatus,
)

# --- display --------------------------------------------------------------------


def display_value(model, field: str, value) -> str:
    """How a stored value reads to a person, for audit entries."""
    if value is None or value == "":
        return ""
    model_field = model._meta.get_field(field)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.is_relation:
        if hasattr(value, "_meta"):
            return str(value)
        related = model_field.related_model.objects.filter(pk=value).first()
        return str(related) if related else str(value)
    if isinstance(value, datetime.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def _raw(record, field: str):
    return getattr(record, record._meta.get_field(field).attname)


def _normalise(value):
    return value.pk if hasattr(value, "_meta") else value


# --- validation --------------------------------------------------------------------


def validate_record(model, data: dict, *, record=None) -> None:
    """Rules that hold whichever form the data came from. Raises ValidationError
    with a Chinese message per field."""

    def value(name):
        if name in data:
            return data[name]
        return getattr(record, name, None) if record is not None else None

    errors = {}
    start, end = value("start_date"), value("end_date")
    if start and end and end < start:
        errors["end_date"] = "结束日期不能早于开始日期。"
    if model is Position:
        if value("type") in LEVELLED_TYPES and not value("level"):
            errors["level"] = "人大代表、政协委员须选择级别（全国/省/市/县）。"
    if model is Nomination:
        if value("position_type") in LEVELLED_TYPES and not value("position_level"):
            errors["position_level"] = "拟任人大代表、政协委员须选择级别（全国/省/市/县）。"
    if model is Organisation:
        parent = value("parent")
        if value("kind") == Organisation.Kind.BRANCH and not parent:
            errors["parent"] = "联谊会分会须选择上级组织。"
        if parent is not None and record is not None and record.pk:
            node, seen = parent, set()
            while node is not None and node.pk not in seen:
                if node.pk == record.pk:
                    errors["parent"] = "上级组织不能是本组织或其下级组织。"
                    break
                seen.add(node.pk)
                node = node.parent
    if errors:
        raise ValidationError(errors)


def _check_region(actor, region) -> None:
    # actor None is the system itself (demo data, migrations of old records).
    if region is None or (
        actor is not None and not regions_writable_by(actor).filter(pk=region.pk).exists()
    ):
        raise ValidationError({"region": "无权在该区域登记记录。"})


# --- generic writes ------------------------------------------------------------------


@transaction.atomic
def record_create(*, actor, model, data: dict, request=None, reason: str = "新增"):
    """Create a record of `model` from validated form data.

    A record about a person takes the person's region; others need a region
    the actor may write in.
    """
    data = dict(data)
    person = data.get("person")
    if person is not None:
        data["region"] = person.region
    else:
        _check_region(actor, data.get("region"))
    validate_record(model, data)
    record = model(**data)
    record.version = 1
    return create_audited(
        record,
        actor=actor,
        changes={
            f: [None, display_value(model, f, _raw(record, f))]
            for f in data
            if _raw(record, f) not in (None, "")
        },
        reason=reason,
        request=request,
    )


@transaction.atomic
def record_update(
    *, actor, record, data: dict, expected_version: int, request=None, reason: str = "修改"
):
    """Apply `data` if nobody saved the record since `expected_version`."""
    model = type(record)
    current = lock(model, record.pk, version=expected_version)
    if current.is_cancelled:
        raise ValidationError("已撤销的记录不能修改。")
    if "region" in data:
        _check_region(actor, data["region"])
    validate_record(model, data, record=current)
    changed = {}
    for field, new in data.items():
        old = _raw(current, field)
        if _normalise(new) != old and not (old in (None, "") and new in (None, "")):
            changed[field] = (old, _normalise(new))
    if not changed:
        return current
    for field in changed:
        setattr(current, field, data[field])
    return save_audited(
        current,
        actor=actor,
        versioned=True,
        fields=changed,
        action=AuditEntry.Action.UPDATE,
        changes={
            f: [display_value(model, f, old), display_value(model, f, new)]
            for f, (old, new) in changed.items()
        },
        reason=reason,
        request=request,
    )


@transaction.atomic
def record_cancel(*, actor, record, note: str = "", request=None):
    """Mark a record cancelled (已撤销): it stops counting but keeps its history."""
    model = type(record)
    current = lock(model, record.pk)
    if current.is_cancelled:
        raise ValidationError("该记录已撤销。")
    if isinstance(current, Nomination) and not current.is_open:
        raise ValidationError("已结束的提名不能撤销。")
    current.status = RecordStatus.CANCELLED
    changes = {"status": ["有效", "已撤销"]}
    if note:
        changes["note"] = note
    return save_audited(
        current,
        actor=actor,
        versioned=True,
        fields=["status"],
        action=AuditEntry.Action.UPDATE,
        changes=changes,
        reason=f"撤销{('：' + note) if note else ''}",
        request=request,
    )


def active(qs: QuerySet) -> QuerySet:
    return qs.filter(status=RecordStatus.ACTIVE)
