"""The audit log's filter bar (django-filter): who, what, which object, which days."""

import datetime

import django_filters
from django import forms
from django.apps import apps
from django.utils import timezone

from tongxin.core.forms import BootstrapForm

from .models import AuditEntry


def object_type_choices() -> list[tuple[str, str]]:
    """Every model of the project as (label_lower, verbose name): what object_type holds."""
    choices = [
        (model._meta.label_lower, str(model._meta.verbose_name))
        for model in apps.get_models()
        if model.__module__.startswith("tongxin.") and not model.__name__.startswith("Historical")
    ]
    return sorted(choices, key=lambda c: c[0])


_DATE_ERRORS = {"invalid": "请输入正确的日期，例如 2026-11-22。"}


class AuditFilterForm(BootstrapForm):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "截止日期不能早于起始日期。")
        return cleaned


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class AuditFilter(django_filters.FilterSet):
    """Only the valid conditions apply; an invalid one is named on the form in Chinese."""

    username = django_filters.CharFilter(label="用户名", max_length=150)
    action = django_filters.ChoiceFilter(
        label="操作",
        choices=AuditEntry.Action.choices,
        empty_label="全部",
        error_messages={"invalid_choice": "没有这种操作。"},
    )
    object_type = django_filters.ChoiceFilter(
        label="对象类型",
        choices=object_type_choices,
        empty_label="全部",
        error_messages={"invalid_choice": "没有这种对象类型。"},
    )
    object_id = django_filters.CharFilter(label="对象编号", max_length=50)
    date_from = django_filters.DateFilter(
        label="起始日期",
        method="filter_date_from",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages=_DATE_ERRORS,
    )
    date_to = django_filters.DateFilter(
        label="截止日期",
        method="filter_date_to",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages=_DATE_ERRORS,
    )

    class Meta:
        model = AuditEntry
        fields = ["username", "action", "object_type", "object_id", "date_from", "date_to"]
        form = AuditFilterForm

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(at__gte=_day_start(value))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(at__lt=_day_start(value + datetime.timedelta(days=1)))
