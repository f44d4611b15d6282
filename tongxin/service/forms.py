from django import forms

from tongxin.core.forms import BootstrapForm, BootstrapModelForm
from tongxin.people.access import persons_visible_to, regions_writable_by

from .models import (
    Department,
    RequestCategory,
    ServiceRequest,
    Suggestion,
    local_today,
)
from .validators import PhoneError, parse_phone


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _date(label: str, *, required: bool = True, initial_today: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        initial=local_today if initial_today else None,
        error_messages={
            "required": f"请填写{label}",
            "invalid": f"{label}格式不正确，应为“2026-11-22”这样的日期",
        },
    )


def _department_field(label: str) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=Department.objects.filter(is_active=True),
        empty_label="（请选择）",
        error_messages={
            "required": f"请选择{label}",
            "invalid_choice": f"所选{label}不存在或已停用",
        },
    )


def apply_service_error(form: forms.Form, error) -> None:
    """Show a refused write next to the field it concerns (or above the form)."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


class DepartmentForm(BootstrapModelForm):
    class Meta:
        model = Department
        fields = ["name", "kind", "contact_person", "phone", "sort_order", "is_active"]
        error_messages = {
            "name": {"required": "请填写单位名称", "unique": "该单位名称已存在"},
            "kind": {"required": "请选择单位类型"},
            "sort_order": {"invalid": "排序应为整数"},
        }
        help_texts = {"is_active": "停用后不能再交办或转交给该单位；已有记录保留。"}

    def clean_phone(self) -> str:
        try:
            return parse_phone(self.cleaned_data.get("phone", ""))
        except PhoneError as error:
            raise forms.ValidationError(error.message) from None


class PickedPerson(forms.Widget):
    """Renders nothing: the page's person picker (a search box) supplies the inputs."""

    is_hidden = True

    def render(self, name, value, attrs=None, renderer=None) -> str:
        return ""


class PickedPersons(PickedPerson):
    def value_from_datadict(self, data, files, name):
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name)


class PersonChoiceField(forms.IntegerField):
    """A person id checked against what the user may see.

    The choice is rendered by the page's own picker (a search box), never as
    a <select> of every person.
    """

    widget = PickedPerson

    def __init__(self, *, user, **kwargs):
        self.user = user
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault("required", "请选择代表人士")
        kwargs["error_messages"].setdefault("invalid", "请选择代表人士")
        super().__init__(**kwargs)

    def clean(self, value):
        pk = super().clean(value)
        person = persons_visible_to(self.user).select_related("region").filter(pk=pk).first()
        if person is None:
            raise forms.ValidationError("所选人员不存在或不在您负责的区域")
        return person


class PersonsChoiceField(forms.Field):
    """Several person ids (checkboxes named alike), each checked like PersonChoiceField."""

    widget = PickedPersons

    def __init__(self, *, user, **kwargs):
        self.user = user
        super().__init__(**kwargs)

    def clean(self, value):
        ids = []
        for raw in value or []:
            try:
                ids.append(int(raw))
            except (TypeError, ValueError):
                raise forms.ValidationError("建言人选择无效") from None
        ids = list(dict.fromkeys(ids))
        if not ids:
            raise forms.ValidationError("请至少选择一位建言人")
        persons = {
            p.pk: p
            for p in persons_visible_to(self.user).select_related("region").filter(pk__in=ids)
        }
        if len(persons) != len(ids):
            raise forms.ValidationError("所选建言人中有人不存在或不在您负责的区域")
        return [persons[pk] for pk in ids]


class RequestForm(BootstrapModelForm):
    """What was received. With `with_person`, also who raised it (new requests)."""

    received_on = _date("受理日期", initial_today=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ServiceRequest
        fields = ["category", "channel", "received_on", "content"]
        widgets = {"content": forms.Textarea(attrs={"rows": 5})}
        error_messages = {
            "category": {"required": "请选择诉求类别"},
            "channel": {"required": "请选择反映渠道"},
            "content": {"required": "请填写诉求内容"},
        }

    def __init__(self, *args, user, with_person: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        categories = RequestCategory.objects.filter(is_active=True)
        if self.instance.pk:
            categories = RequestCategory.objects.filter(
                pk__in=[*categories.values_list("pk", flat=True), self.instance.category_id]
            )
            self.fields["version"].initial = self.instance.version
        else:
            del self.fields["version"]
        self.fields["category"].queryset = categories
        self.fields["category"].empty_label = "（请选择）"
        if self.instance.channel != ServiceRequest.Channel.PORTAL:
            # Only the person's own page records a request as self-submitted.
            self.fields["channel"].choices = [
                c for c in self.fields["channel"].choices if c[0] != ServiceRequest.Channel.PORTAL
            ]
        if with_person:
            self.fields["person"] = PersonChoiceField(user=user, label="代表人士")

    def service_data(self) -> dict:
        return {f: self.cleaned_data[f] for f in ["category", "channel", "received_on", "content"]}


class AssignForm(BootstrapForm):
    department = _department_field("承办单位")
    assigned_on = _date("交办日期", initial_today=True)
    due_date = _date("办理时限")


class ProgressForm(BootstrapForm):
    on_date = _date("进展日期", initial_today=True)
    note = forms.CharField(
        label="办理情况",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写办理情况"},
    )


class CloseForm(BootstrapForm):
    closed_on = _date("办结日期", initial_today=True)
    answer = forms.CharField(
        label="答复内容",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "办结须填写答复内容"},
    )


class FollowUpForm(BootstrapForm):
    on_date = _date("回访日期", initial_today=True)
    satisfaction = forms.ChoiceField(
        label="满意度",
        choices=ServiceRequest.Satisfaction.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择满意度", "invalid_choice": "请选择满意度"},
    )
    note = forms.CharField(
        label="回访情况", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reopen = forms.BooleanField(label="不满意，重新办理", required=False)
    reopen_reason = forms.CharField(label="重新办理原因", required=False, max_length=200)
    new_due_date = _date("新的办理时限", required=False)


class CancelForm(BootstrapForm):
    reason = forms.CharField(
        label="撤销原因",
        max_length=200,
        help_text="如：重复登记、本人撤回。撤销后记录保留，可在历史中查看。",
        error_messages={"required": "撤销须填写原因"},
    )


class SuggestionForm(BootstrapModelForm):
    submitted_on = _date("提出日期", initial_today=True)

    class Meta:
        model = Suggestion
        fields = ["region", "title", "topic", "submitted_on", "content"]
        widgets = {"content": forms.Textarea(attrs={"rows": 6})}
        help_texts = {"topic": "如：营商环境、乡村振兴、文化建设。"}
        error_messages = {
            "region": {"required": "请选择所属区域", "invalid_choice": "所选区域不在您负责的范围"},
            "title": {"required": "请填写标题"},
            "content": {"required": "请填写内容"},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions_writable_by(user)
        self.fields["region"].empty_label = "（请选择）"
        self.fields["submitters"] = PersonsChoiceField(user=user, label="建言人")
        if self.instance.pk and not self.is_bound:
            self.initial["submitters"] = [p.pk for p in self.instance.submitters.all()]

    def service_data(self) -> dict:
        return {
            f: self.cleaned_data[f] for f in ["region", "title", "topic", "submitted_on", "content"]
        }


class ForwardForm(BootstrapForm):
    department = _department_field("转交单位")
    forwarded_on = _date("转交日期", initial_today=True)


class RespondForm(BootstrapForm):
    outcome = forms.ChoiceField(
        label="办理结果",
        choices=[("", "（请选择）"), *Suggestion.Outcome.choices],
        error_messages={"required": "请选择办理结果", "invalid_choice": "请选择办理结果"},
    )
    responded_on = _date("反馈日期", initial_today=True)
    response = forms.CharField(
        label="反馈内容",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请填写反馈内容"},
    )
