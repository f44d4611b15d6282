import datetime

from django import forms

from tongxin.people.forms import MAX_PHOTO_BYTES, PersonFieldChecks
from tongxin.people.models import Person, PersonGroup
from tongxin.regions import scope
from tongxin.service.models import RequestCategory

from .models import EDITABLE_FIELDS
from .services import MAX_VALID_DAYS


def _style(form: forms.Form) -> None:
    """Bootstrap classes, and messages that name their field."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
            continue
        is_select = isinstance(widget, forms.Select)
        widget.attrs.setdefault("class", "form-select" if is_select else "form-control")
        verb = "请选择" if is_select else "请填写"
        field.error_messages["required"] = f"{verb}{field.label}"
        field.error_messages["invalid_choice"] = f"{field.label}的选项无效，请重新选择"
        field.error_messages.setdefault("invalid", f"{field.label}格式不正确")


class ConfirmForm(forms.Form):
    id_suffix = forms.CharField(
        label="公民身份号码后6位",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    birth_date = forms.DateField(
        label="出生日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)
        self.fields["id_suffix"].error_messages["min_length"] = "请填写公民身份号码的后6位"
        self.fields["birth_date"].error_messages["invalid"] = "出生日期格式不正确，例如 1985-06-01"


class UpdateForm(PersonFieldChecks, forms.ModelForm):
    """The fields a person may propose changes to, shown with the current values."""

    new_photo = forms.ImageField(label="上传新的一寸照片", required=False)
    note = forms.CharField(
        label="说明（选填）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=500,
    )

    class Meta:
        model = Person
        fields = EDITABLE_FIELDS
        widgets = {
            "resume": forms.Textarea(attrs={"rows": 4}),
            "achievements": forms.Textarea(attrs={"rows": 3}),
            "public_welfare": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("political_status", "education", "degree"):
            field = self.fields[name]
            current = getattr(self.instance, f"{name}_id", None)
            field.queryset = field.queryset.model.objects.filter(is_active=True) | (
                field.queryset.model.objects.filter(pk=current)
            )
            field.empty_label = "（请选择）" if field.required else "（无）"
        _style(self)
        self.fields["career_start_year"].error_messages["invalid"] = "从业起始年份应为四位年份"
        self.fields["email"].error_messages["invalid"] = "电子邮箱格式不正确"

    def clean_new_photo(self):
        photo = self.cleaned_data.get("new_photo")
        if photo and photo.size > MAX_PHOTO_BYTES:
            raise forms.ValidationError("照片不能超过2MB")
        return photo

    def proposed(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in EDITABLE_FIELDS}
        for name, value in data.items():
            if isinstance(value, str):
                data[name] = value.strip()
        return data


class RequestForm(forms.Form):
    category = forms.ModelChoiceField(
        label="诉求类别",
        queryset=RequestCategory.objects.filter(is_active=True),
        empty_label="（请选择）",
    )
    content = forms.CharField(
        label="诉求内容", max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class SuggestionForm(forms.Form):
    title = forms.CharField(label="标题", max_length=200)
    content = forms.CharField(
        label="内容", max_length=10000, widget=forms.Textarea(attrs={"rows": 8})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class IssueForm(forms.Form):
    valid_days = forms.IntegerField(
        label="有效天数", min_value=1, max_value=MAX_VALID_DAYS, initial=30
    )
    purpose = forms.CharField(
        label="用途（选填）",
        required=False,
        max_length=100,
        initial=lambda: f"{datetime.date.today().year}年度信息更新",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)
        self.fields["valid_days"].error_messages["min_value"] = "有效天数至少为1天"
        self.fields["valid_days"].error_messages["max_value"] = (
            f"有效天数不能超过{MAX_VALID_DAYS}天"
        )


class BatchForm(IssueForm):
    """Which persons get a letter: the user's writable persons narrowed by
    region (its subtree), level and group, optionally only those not yet
    reviewed in this year's update."""

    region = forms.ModelChoiceField(
        label="区域（含下级）", queryset=None, required=False, empty_label="（全部）"
    )
    level = forms.ChoiceField(
        label="分级", required=False, choices=[("", "（全部）"), *Person.Level.choices]
    )
    group = forms.ModelChoiceField(
        label="人员类别",
        queryset=PersonGroup.objects.filter(is_active=True),
        required=False,
        empty_label="（全部）",
    )
    only_unreviewed = forms.BooleanField(
        label="只发给本年度尚未更新的人员", required=False, initial=True
    )

    field_order = ["region", "level", "group", "only_unreviewed", "valid_days", "purpose"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = scope.regions_writable_by(user)
        _style(self)


class InvitationAnswerForm(forms.Form):
    """The buttons of one invitation on the person's page. The reason's length
    is checked by the service, so a long reason gets a message, not a 404."""

    invitation = forms.IntegerField(min_value=1)
    answer = forms.ChoiceField(choices=[("accept", "接受"), ("decline", "谢绝")])
    reason = forms.CharField(label="谢绝原因", required=False)
