import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from tongxin.core.forms import BootstrapForm

from .checks import FIELDS, OPERATORS_BY_KIND, parse_value_text, value_text
from .models import Condition


def _field_help() -> str:
    return "；".join(
        f"{f.label}：{'、'.join(op.label for op in f.operators)}" for f in FIELDS.values()
    )


class ConditionForm(BootstrapForm):
    """A condition as an admin writes it: the 取值 box takes names, a number or 是/否."""

    name = forms.CharField(label="名称", max_length=60)
    field = forms.ChoiceField(
        label="检查项", choices=[("", "请选择")] + [(f.key, f.label) for f in FIELDS.values()]
    )
    operator = forms.ChoiceField(
        label="运算",
        choices=[("", "请选择")] + list(Condition.Operator.choices),
        help_text="各检查项可用的运算——" + _field_help(),
    )
    value_text = forms.CharField(
        label="取值",
        max_length=500,
        help_text="字典类填名称，多个用顿号分隔（如“中共党员、中共预备党员”）；"
        "年龄、从业年限填整数；是否类填“是”或“否”。",
    )
    failure_message = forms.CharField(
        label="不符合时的说明",
        max_length=100,
        help_text="人员页面和报表上显示，例如“年龄超过60周岁”。",
    )
    sort_order = forms.IntegerField(label="排序", min_value=0, initial=0)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, condition: Condition | None = None, **kwargs):
        if condition is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": condition.name,
                "field": condition.field,
                "operator": condition.operator,
                "value_text": value_text(condition),
                "failure_message": condition.failure_message,
                "sort_order": condition.sort_order,
                "is_active": condition.is_active,
            }
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            verb = "请选择" if isinstance(field.widget, forms.Select) else "请填写"
            field.error_messages["required"] = f"{verb}{field.label}"
            field.error_messages["invalid_choice"] = f"{field.label}的选项无效，请重新选择"
        self.fields["sort_order"].error_messages["invalid"] = "排序应为整数"
        self.fields["sort_order"].error_messages["min_value"] = "排序不能为负数"

    def clean(self):
        data = super().clean()
        field = FIELDS.get(data.get("field") or "")
        operator = data.get("operator")
        if field is None:
            return data
        if operator and operator not in OPERATORS_BY_KIND[field.kind]:
            allowed = "、".join(op.label for op in field.operators)
            self.add_error("operator", f"“{field.label}”只能使用：{allowed}")
        if "value_text" in data:
            try:
                data["value"] = parse_value_text(field, data["value_text"])
            except ValidationError as error:
                for message in error.message_dict.get("value", []):
                    self.add_error("value_text", message)
        return data

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("value_text", None)
        return data


class ReportFilterForm(forms.Form):
    """Only the reference date: the other filters are the person list's (PersonFilter)."""

    on = forms.DateField(
        label="基准日期",
        required=False,
        error_messages={"invalid": "基准日期格式不正确，例如 2026-11-22"},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    condition = forms.IntegerField(required=False)

    def reference_date(self) -> datetime.date:
        if self.is_valid() and self.cleaned_data.get("on"):
            return self.cleaned_data["on"]
        return timezone.localdate()
