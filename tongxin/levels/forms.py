from django import forms
from django.utils import timezone

from tongxin.core.forms import BootstrapForm
from tongxin.people.models import Person


class LevelChangeForm(BootstrapForm):
    level = forms.ChoiceField(
        label="调整为",
        error_messages={"required": "请选择调整后的分级", "invalid_choice": "调整后的分级无效"},
    )
    reason = forms.CharField(
        label="调整原因",
        max_length=200,
        error_messages={"required": "请填写调整原因", "max_length": "调整原因不能超过200字"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, person: Person, user, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [c for c in Person.Level.choices if c[0] != person.level]
        if not user.can_place_at_city_level:
            choices = [c for c in choices if c[0] != Person.Level.CITY]
        self.fields["level"].choices = [("", "请选择")] + choices
        self.fields["version"].initial = person.version


def quota_field_name(region_id: int, level: str) -> str:
    return f"q_{region_id}_{level}"


class QuotaForm(BootstrapForm):
    """One number per (region, level) row shown: the city at city level, each county-level unit at county level."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows  # [(region, level, current quota)]
        for region, level, current in rows:
            label = f"{region.name} {Person.Level(level).label}名额"
            self.fields[quota_field_name(region.pk, level)] = forms.IntegerField(
                label=label,
                min_value=0,
                max_value=100_000,
                initial=current,
                error_messages={
                    "required": f"请填写{label}",
                    "invalid": f"{label}应为整数",
                    "min_value": f"{label}不能为负数",
                    "max_value": f"{label}不能超过100000",
                },
            )

    def changed_quotas(self):
        """[(region, level, new quota)] for the numbers that differ from what is stored."""
        return [
            (region, level, self.cleaned_data[quota_field_name(region.pk, level)])
            for region, level, current in self.rows
            if self.cleaned_data[quota_field_name(region.pk, level)] != current
        ]


class ReviewStartForm(forms.Form):
    year = forms.IntegerField(
        label="年度", error_messages={"required": "请填写年度", "invalid": "年度应为四位年份"}
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class ReviewMarkForm(forms.Form):
    note = forms.CharField(
        label="复核说明",
        max_length=200,
        required=False,
        error_messages={"max_length": "复核说明不能超过200字"},
    )
