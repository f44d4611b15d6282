"""The copy of everything held about one person (查阅复制), as one xlsx.

One sheet per kind of record in the erasure plan (the person's registration,
then every related record, then the history of each), then the audit entries
about them and the person's privacy requests. Values are written unmasked and
always as text, never as formulas (reports.exporters.WORKBOOK_OPTIONS plus
write_string), so a value starting with = + - @ stays what it is.
"""

import datetime
import io
import json

import xlsxwriter
from django.db import models
from django.utils import timezone

from tongxin.people.models import Person
from tongxin.reports.exporters import WORKBOOK_OPTIONS

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
_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


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


class _Book:
    def __init__(self, target):
        self.workbook = xlsxwriter.Workbook(target, {**WORKBOOK_OPTIONS, "in_memory": True})
        self.bold = self.workbook.add_format({"bold": True})
        self.names: set[str] = set()

    def sheet(self, title: str):
        base = title.translate(_BAD_SHEET_CHARS)[:28] or "表"
        name, n = base, 2
        while name.lower() in self.names:
            name, n = f"{base[:26]}{n}", n + 1
        self.names.add(name.lower())
        return self.workbook.add_worksheet(name)

    def table(self, title: str, headers: list[str], rows: list[list[str]]) -> None:
        sheet = self.sheet(title)
        for col, header in enumerate(headers):
            sheet.write_string(0, col, header, self.bold)
            sheet.set_column(col, col, 16)
        for r, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                sheet.write_string(r, col, value)


def _rows(model, qs) -> tuple[list[str], list[list[str]]]:
    fields = _export_fields(model)
    headers = [str(f.verbose_name) for f in fields]
    return headers, [[cell_text(f, obj) for f in fields] for obj in qs.order_by("pk")]


def person_data_xlsx(plan: ErasurePlan) -> tuple[bytes, int]:
    """The workbook's bytes and its number of sheets."""
    buffer = io.BytesIO()
    book = _Book(buffer)
    person = Person.objects.get(pk=plan.person.pk)

    sheet = book.sheet("登记信息")
    sheet.set_column(0, 0, 20)
    sheet.set_column(1, 1, 60)
    sheet.write_string(0, 0, "项目", book.bold)
    sheet.write_string(0, 1, "内容", book.bold)
    for r, f in enumerate(_export_fields(Person), start=1):
        sheet.write_string(r, 0, str(f.verbose_name))
        sheet.write_string(r, 1, cell_text(f, person))

    for model, qs in plan.querysets():
        if model is Person:
            continue
        headers, rows = _rows(model, qs)
        book.table(str(model._meta.verbose_name), headers, rows)

    for history, qs in plan.history_querysets():
        headers, rows = _rows(history, qs)
        if rows:
            book.table(str(history._meta.verbose_name), headers, rows)

    entries = plan.audit_entries().order_by("id")
    book.table(
        "审计日志",
        ["时间", "用户", "操作", "对象类型", "对象编号", "对象", "内容"],
        [
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
        ],
    )
    headers, rows = _rows(PrivacyRequest, PrivacyRequest.objects.filter(person_ref=person.pk))
    book.table("个人信息权利申请", headers, rows)
    sheets = len(book.names)
    book.workbook.close()
    return buffer.getvalue(), sheets
