"""The audit-log browser: read-only, newest first, paged by id so that a page
costs the same on the millionth row as on the first."""

import datetime

from django import forms
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from tongxin.core.access import system_admin_required
from tongxin.core.forms import BootstrapForm
from tongxin.core.paging import id_page
from tongxin.regions.scope import read_scope

from .labels import KEY_LABELS, LIST_KEYS, VALUE_LABELS
from .models import AuditEntry
from .readers import readable_q

PAGE_SIZE = 50


def object_type_choices() -> list[tuple[str, str]]:
    """Every model of the project as (label_lower, verbose name): what object_type holds."""
    choices = [
        (model._meta.label_lower, str(model._meta.verbose_name))
        for model in apps.get_models()
        if model.__module__.startswith("tongxin.") and not model.__name__.startswith("Historical")
    ]
    return sorted(choices, key=lambda c: c[0])


class AuditFilterForm(BootstrapForm):
    username = forms.CharField(label="用户名", required=False, max_length=150)
    action = forms.ChoiceField(
        label="操作", required=False, choices=[("", "全部")] + AuditEntry.Action.choices
    )
    object_type = forms.ChoiceField(label="对象类型", required=False)
    object_id = forms.CharField(label="对象编号", required=False, max_length=50)
    date_from = forms.DateField(
        label="起始日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请输入正确的日期，例如 2026-11-22。"},
    )
    date_to = forms.DateField(
        label="截止日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请输入正确的日期，例如 2026-11-22。"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", "全部")] + object_type_choices()
        self.fields["action"].error_messages["invalid_choice"] = "没有这种操作。"
        self.fields["object_type"].error_messages["invalid_choice"] = "没有这种对象类型。"

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "截止日期不能早于起始日期。")
        return cleaned


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def filter_entries(qs, filters: dict):
    """Apply the valid filters of AuditFilterForm."""
    if filters.get("username"):
        qs = qs.filter(username=filters["username"].strip())
    if filters.get("action"):
        qs = qs.filter(action=filters["action"])
    if filters.get("object_type"):
        qs = qs.filter(object_type=filters["object_type"])
    if filters.get("object_id"):
        qs = qs.filter(object_id=filters["object_id"].strip())
    if filters.get("date_from"):
        qs = qs.filter(at__gte=_day_start(filters["date_from"]))
    if filters.get("date_to"):
        qs = qs.filter(at__lt=_day_start(filters["date_to"] + datetime.timedelta(days=1)))
    return qs


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
    form = AuditFilterForm(request.GET or None)
    filters = {}
    if form.is_bound:
        form.is_valid()
        filters = form.cleaned_data
    entries = filter_entries(
        entries_visible_to(request.user).select_related("region", "user"), filters
    )
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
