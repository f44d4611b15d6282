"""The audit-log browser: read-only, newest first, paged by id so that a page
costs the same on the millionth row as on the first."""

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.shortcuts import render
from django.views.decorators.http import require_safe

from tongxin.core.access import system_admin_required
from tongxin.core.paging import id_page
from tongxin.regions.scope import read_scope

from .filters import AuditFilter, object_type_choices
from .labels import KEY_LABELS, LIST_KEYS, VALUE_LABELS
from .models import AuditEntry
from .readers import readable_q

PAGE_SIZE = 50


def _field_label(object_type: str, field: str) -> str:
    try:
        model = apps.get_model(object_type)
        model_field = model._meta.get_field(field)
    except (LookupError, ValueError, FieldDoesNotExist):
        return KEY_LABELS.get(field, field)
    if model_field.auto_created and not model_field.concrete:
        # A reverse relation ("progress" of a service request) has no
        # verbose_name of its own: it reads as the related model's name.
        return str(model_field.related_model._meta.verbose_name)
    return str(model_field.verbose_name)


def _text(value) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(_text(v) for v in value) or "（空）"
    if isinstance(value, dict):  # counts by kind: 等次分布, records deleted per table
        return "，".join(f"{k}：{_text(v)}" for k, v in value.items()) or "（空）"
    return str(value)


def _value(object_type: str, key: str, value):
    """A stored code as the text it stands for: field names as labels, formats by name."""
    if key == "fields" and isinstance(value, list):
        return [_field_label(object_type, name) for name in value]
    labels = VALUE_LABELS.get(key)
    if labels and isinstance(value, str):
        return labels.get(value, value)
    return value


def change_rows(entry: AuditEntry) -> list[dict]:
    """entry.changes as rows a person reads: 字段：旧值 → 新值, or 字段：值."""
    changes = entry.changes if isinstance(entry.changes, dict) else {"内容": entry.changes}
    rows = []
    for field, value in changes.items():
        row = {"label": _field_label(entry.object_type, field)}
        if isinstance(value, list) and len(value) == 2 and field not in LIST_KEYS:
            row["old"], row["new"] = _text(value[0]), _text(value[1])
        else:
            row["value"] = _text(_value(entry.object_type, field, value))
        rows.append(row)
    return rows


def entries_visible_to(user):
    """An administrator placed at a node reads the entries of its subtree and
    those written by the accounts it manages; one who sees the whole tree, all."""
    readable = read_scope(user)
    if readable.everything:
        return AuditEntry.objects.all()
    # The accounts they manage: the rule is accounts' (accounts/apps.py).
    return AuditEntry.objects.filter(readable_q(user, readable.q("region")))


@require_safe
@system_admin_required
def audit_list(request):
    audit_filter = AuditFilter(
        request.GET or None,
        queryset=entries_visible_to(request.user).select_related("region", "user"),
    )
    form = audit_filter.form
    entries = audit_filter.qs
    page = id_page(entries, after=request.GET.get("before", ""), size=PAGE_SIZE)
    type_labels = dict(object_type_choices())
    rows = [
        {
            "entry": entry,
            "object_type": type_labels.get(entry.object_type, entry.object_type),
            "changes": change_rows(entry),
        }
        for entry in page.rows
    ]
    return render(
        request,
        "audit/audit_list.html",
        {
            "form": form,
            "rows": rows,
            "next_before": page.next_after,
            "paged": not page.is_first,
            "page_size": PAGE_SIZE,
        },
    )
