from django import forms
from django.db.models import Q
from django.utils import timezone

from tongxin.core.forms import BootstrapForm, BootstrapModelForm
from tongxin.people.access import regions_writable_by

from . import access
from .models import (
    ActivityParticipant,
    ActivityType,
    Nomination,
    OrganisationMember,
    TrainingParticipant,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class RecordForm(BootstrapModelForm):
    """The edit form of any engagement record: region and related choices limited
    to what the user may use, and the version the user started from."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        related = {
            "region": lambda: regions_writable_by(user),
            "organisation": lambda: access.organisations_visible_to(user).filter(status="active"),
            "parent": lambda: access.organisations_visible_to(user).filter(status="active"),
            "cluster": lambda: access.clusters_visible_to(user).filter(status="active"),
            # A type switched off since keeps being valid for the activities that have it.
            "type": lambda: ActivityType.objects.filter(
                Q(is_active=True) | Q(pk=getattr(self.instance, "type_id", None))
            ),
        }
        for name, queryset in related.items():
            field = self.fields.get(name)
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = queryset()
        if "parent" in self.fields and self.instance.pk:
            self.fields["parent"].queryset = self.fields["parent"].queryset.exclude(
                pk=self.instance.pk
            )

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class NominationCreateForm(RecordForm):
    on_date = forms.DateField(label="推荐日期", widget=DateInput, initial=timezone.localdate)
    notes = forms.CharField(label="推荐理由", widget=forms.Textarea(attrs={"rows": 3}),
                            required=False)  # fmt: skip


class StageForm(BootstrapForm):
    stage = forms.ChoiceField(
        label="进入阶段",
        choices=[(s.value, s.label) for s in Nomination.Stage if s != Nomination.Stage.RECOMMENDED],
    )
    on_date = forms.DateField(label="日期", widget=DateInput, initial=timezone.localdate)
    responsible_unit = forms.CharField(label="责任单位", max_length=200, required=False)
    outcome = forms.CharField(label="结果", max_length=200, required=False)
    notes = forms.CharField(label="情况说明", widget=forms.Textarea(attrs={"rows": 2}),
                            required=False)  # fmt: skip


class CancelForm(forms.Form):
    note = forms.CharField(label="撤销说明", max_length=200, required=False)


class WithdrawForm(BootstrapForm):
    reason = forms.CharField(
        label="撤回原因", max_length=200, required=False, help_text="例如“误加入”“重复登记”。"
    )


class ParticipantForm(forms.Form):
    role = forms.ChoiceField(choices=ActivityParticipant.Role.choices, required=False)
    attendance = forms.ChoiceField(choices=ActivityParticipant.Attendance.choices, required=False)


class TrainingParticipantForm(forms.Form):
    attendance = forms.ChoiceField(
        choices=TrainingParticipant.Attendance.choices,
        error_messages={"required": "请选择出勤情况", "invalid_choice": "出勤情况无效"},
    )
    hours = forms.DecimalField(
        max_digits=5,
        decimal_places=1,
        required=False,
        error_messages={
            "invalid": "学时应为数字",
            "max_digits": "学时过大",
            "max_decimal_places": "学时最多一位小数",
            "max_whole_digits": "学时过大",
        },
    )


class MemberForm(BootstrapForm):
    person = forms.IntegerField(widget=forms.HiddenInput)
    role = forms.ChoiceField(label="职务", choices=OrganisationMember.Role.choices)
    start_date = forms.DateField(label="开始日期", widget=DateInput, required=False)


class AttachmentForm(forms.Form):
    file = forms.FileField(label="附件")


def record_form_class(kind, *, create: bool):
    fields = kind.create_fields if create and kind.create_fields else kind.fields
    base = kind.create_form if create and kind.create_form else RecordForm
    widgets = {
        name: DateInput
        for name in fields
        if kind.model._meta.get_field(name).get_internal_type() == "DateField"
    }
    widgets |= {
        name: forms.Textarea(attrs={"rows": 3})
        for name in fields
        if kind.model._meta.get_field(name).get_internal_type() == "TextField"
    }
    return forms.modelform_factory(kind.model, form=base, fields=fields, widgets=widgets)


class InviteForm(BootstrapForm):
    respond_by = forms.DateField(
        label="答复截止日期",
        widget=DateInput,
        help_text="本人在个人页面接受或谢绝，截止后不能再答复；不晚于开始日期。",
    )
    note = forms.CharField(
        label="邀请说明",
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="本人在个人页面看到，例如报到时间、着装要求。",
    )
