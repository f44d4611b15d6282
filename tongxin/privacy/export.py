"""The copy of everything held about one person (查阅复制), as one xlsx.

One sheet per kind of record in the erasure plan (the person's registration,
then every related record, then the history of each), then the audit entries
about them and the person's privacy requests. Values are written unmasked and
always as text, never as formulas (the one exporter, core/exporting.py), so a
value starting with = + - @ stays what it is.
"""

import datetime
import io
import json

from django.db import models
from django.utils import timezone

from tongxin.core.exporting import Table, XlsxBook
from tongxin.people.models import Person

from .erasure import ErasurePlan
from .models import PrivacyRequest

_INTERNAL = {
    "search_tokens",
    "name_pinyin",
    "name_initials",
    "id_number_hash",
    "id_suffix_hash",
    "mobile_hash",
}


def cell_text(model_field: models.Field, obj) -> str:
    """How one stored value reads: labels for choices, names for links, plain dates."""
    if model_field.is_relation:
        related_id = getattr(obj, model_field.attname)
        if related_id is None:
            return ""
        related = model_field.related_model._base_manager.filter(pk=related_id).first()
        return str(related) if related is not None else str(related_id)
    value = getattr(obj, model_field.attname)
    if value is None:
        return ""
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M:%S}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bytes | memoryview):
        return ""
    return str(value)


def _export_fields(model) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in _INTERNAL and not f.name.endswith("_hash")
    ]


def _table(title: str, model, qs) -> Table:
    fields = _export_fields(model)
    return Table(
        name=title,
        headers=[str(f.verbose_name) for f in fields],
        widths=[16] * len(fields),
        rows=([cell_text(f, obj) for f in fields] for obj in qs.order_by("pk")),
    )


def person_data_xlsx(plan: ErasurePlan) -> tuple[bytes, int]:
    """The workbook's bytes and its number of sheets."""
    buffer = io.BytesIO()
    person = Person.objects.get(pk=plan.person.pk)
    with XlsxBook(buffer) as book:
        book.table(
            Table(
                name="登记信息",
                headers=["项目", "内容"],
                widths=[20, 60],
                rows=([str(f.verbose_name), cell_text(f, person)] for f in _export_fields(Person)),
            )
        )
        for model, qs in plan.querysets():
            if model is not Person:
                book.table(_table(str(model._meta.verbose_name), model, qs))
        for history, qs in plan.history_querysets():
            if qs.exists():
                book.table(_table(str(history._meta.verbose_name), history, qs))
        entries = plan.audit_entries().order_by("id")
        book.table(
            Table(
                name="审计日志",
                headers=["时间", "用户", "操作", "对象类型", "对象编号", "对象", "内容"],
                widths=[16] * 7,
                rows=(
                    [
                        f"{timezone.localtime(e.at):%Y-%m-%d %H:%M:%S}",
                        e.username,
                        e.get_action_display(),
                        e.object_type,
                        e.object_id,
                        e.object_repr,
                        json.dumps(e.changes, ensure_ascii=False),
                    ]
                    for e in entries
                ),
            )
        )
        requests = PrivacyRequest.objects.filter(person_ref=person.pk)
        book.table(_table("个人信息权利申请", PrivacyRequest, requests))
    return buffer.getvalue(), len(book.names)
