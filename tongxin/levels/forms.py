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


class TierForm(BootstrapForm):
    """The name and quota of each node's tier the user may set (levels.services.may_set_tier):
    one row per node that keeps a tier, or may (province, city, county level)."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows  # [(region, current name, current quota)]
        for region, name, quota in rows:
            name_label = f"{region.name}的分级名称"
            quota_label = f"{region.name}的名额"
            self.fields[f"name_{region.pk}"] = forms.CharField(
                label=name_label,
                max_length=30,
                initial=name,
                widget=forms.TextInput(attrs={"class": "form-control"}),
                error_messages={
                    "required": f"请填写{name_label}",
                    "max_length": f"{name_label}不能超过30字",
                },
            )
            self.fields[f"quota_{region.pk}"] = forms.IntegerField(
                label=quota_label,
                required=False,
                min_value=0,
                max_value=100_000,
                initial=quota,
                widget=forms.NumberInput(attrs={"class": "form-control"}),
                error_messages={
                    "invalid": f"{quota_label}应为整数",
                    "min_value": f"{quota_label}不能为负数",
                    "max_value": f"{quota_label}不能超过100000",
                },
            )

    def table(self):
        """(region, name field, quota field) per row, for the page's table."""
        return [
            (region, self[f"name_{region.pk}"], self[f"quota_{region.pk}"])
            for region, _name, _quota in self.rows
        ]

    def changed_tiers(self):
        """[(region, new name, new quota)] for the rows that differ from what is set."""
        changed = []
        for region, name, quota in self.rows:
            new_name = self.cleaned_data[f"name_{region.pk}"].strip()
            new_quota = self.cleaned_data[f"quota_{region.pk}"]
            if (new_name, new_quota) != (name, quota):
                changed.append((region, new_name, new_quota))
        return changed


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
