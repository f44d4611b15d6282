from django import forms
from django.utils import timezone

from tongxin.core.forms import BootstrapForm


class NoticeForm(BootstrapForm):
    text = forms.CharField(
        label="告知内容",
        widget=forms.Textarea(attrs={"rows": 24}),
        max_length=20000,
        error_messages={"required": "告知内容不能为空。"},
    )


class RequestForm(BootstrapForm):
    """The documented request every right is exercised on."""

    requester = forms.CharField(
        label="申请人",
        max_length=100,
        help_text="本人或其代理人的姓名；代理人请注明关系。",
        error_messages={"required": "请填写申请人。"},
    )
    received_on = forms.DateField(
        label="收到日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "请填写收到日期。",
            "invalid": "收到日期格式不对，例如 2026-11-22。",
        },
    )
    reference = forms.CharField(
        label="申请依据/文号",
        max_length=200,
        help_text="书面申请的文号或收件登记号、申请方式等。",
        error_messages={"required": "请填写申请依据/文号。"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("收到日期不能晚于今天。")
        return day


class EraseForm(RequestForm):
    prefix = "erase"  # shares the page with RequestForm
    confirm_name = forms.CharField(
        label="确认姓名",
        max_length=50,
        help_text="删除不可恢复。请输入该人员的姓名以确认。",
        error_messages={"required": "请输入该人员的姓名以确认删除。"},
    )

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person

    def clean_confirm_name(self):
        typed = self.cleaned_data["confirm_name"].strip()
        if self.person is None or typed != self.person.name:
            raise forms.ValidationError("确认姓名与该人员的姓名不一致，未删除。")
        return typed
