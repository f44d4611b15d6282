from django import forms

from tongxin.core.forms import BootstrapForm
from tongxin.levels.models import Tier
from tongxin.people.models import Person
from tongxin.regions.models import Region


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _reason(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": f"请填写{label}", "max_length": f"{label}不能超过1000字"},
    )


def _due() -> forms.DateField:
    return forms.DateField(
        label="办理期限",
        required=False,
        widget=DateInput,
        help_text="不填则为提交后15天。",
        error_messages={"invalid": "办理期限应为 2026-12-31 这样的日期"},
    )


class _RequestForm(BootstrapForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_date"] = _due()


class RecommendForm(_RequestForm):
    tier = forms.ModelChoiceField(
        label="推荐列入",
        queryset=Tier.objects.none(),
        empty_label="请选择",
        error_messages={"required": "请选择推荐列入的分级", "invalid_choice": "推荐列入的分级无效"},
    )
    reason = _reason("推荐理由")

    def __init__(self, *args, tiers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].queryset = tiers


class RemovalForm(_RequestForm):
    archive_reason = forms.ChoiceField(
        label="出库原因",
        choices=[("", "请选择"), *Person.ArchiveReason.choices],
        error_messages={"required": "请选择出库原因", "invalid_choice": "出库原因无效"},
    )
    reason = _reason("出库理由")


class TransferOutForm(_RequestForm):
    target = forms.ModelChoiceField(
        label="调入区域",
        queryset=Region.objects.none(),
        empty_label="请选择",
        error_messages={"required": "请选择调入区域", "invalid_choice": "调入区域无效"},
    )
    reason = _reason("调动理由")

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = targets


class TransferInForm(_RequestForm):
    id_number = forms.CharField(
        label="公民身份号码",
        max_length=18,
        error_messages={"required": "请填写公民身份号码"},
    )
    target = forms.ModelChoiceField(
        label="调入本区域的",
        queryset=Region.objects.none(),
        empty_label="请选择",
        error_messages={"required": "请选择调入区域", "invalid_choice": "调入区域无效"},
    )
    reason = _reason("调入理由")

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = targets


class ReviewConfirmForm(_RequestForm):
    region = forms.ModelChoiceField(
        label="报送区域",
        queryset=Region.objects.none(),
        empty_label="请选择",
        error_messages={"required": "请选择报送区域", "invalid_choice": "报送区域无效"},
    )
    year = forms.IntegerField(
        label="年度", error_messages={"required": "请填写年度", "invalid": "年度应为四位年份"}
    )
    reason = _reason("复核情况说明")

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        # Due at the year's review deadline, not a date the proposer picks.
        del self.fields["due_date"]


class NoteForm(forms.Form):
    note = forms.CharField(label="意见", max_length=500, required=False)


class CommentForm(forms.Form):
    text = forms.CharField(
        label="意见",
        max_length=1000,
        error_messages={"required": "请填写意见内容", "max_length": "意见内容不能超过1000字"},
    )


class AttachForm(forms.Form):
    file = forms.FileField(label="附件", error_messages={"required": "请选择要上传的文件"})


class ReportForm(_RequestForm):
    region = forms.ModelChoiceField(
        label="报送区域",
        queryset=Region.objects.none(),
        empty_label="请选择",
        error_messages={"required": "请选择报送区域", "invalid_choice": "报送区域无效"},
    )
    year = forms.IntegerField(
        label="年度", error_messages={"required": "请填写年度", "invalid": "年度应为四位年份"}
    )
    reason = _reason("报送说明")

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        if self.data.get("acknowledged"):
            self.offer_acknowledgement()

    def offer_acknowledgement(self) -> None:
        """Shown once a report was refused for unconfirmed children's reviews."""
        self.fields["acknowledged"] = forms.BooleanField(
            label="下级年度更新尚未全部确认，仍然报送（报送说明中注明未确认的区域）",
            required=False,
        )


class MergeForm(_RequestForm):
    """合并: the proposer's record and another region's record of the same person."""

    keep = forms.ChoiceField(
        label="保留哪一条记录",
        choices=[
            ("own", "保留本区域的记录，对方记录并入本记录"),
            ("other", "保留对方区域的记录，本区域记录并入对方记录"),
        ],
        widget=forms.RadioSelect,
        help_text="保留的记录沿用其所属区域和公民身份号码；其空白项由另一条记录补齐。",
        error_messages={"required": "请选择保留哪一条记录", "invalid_choice": "保留的记录无效"},
    )
    reason = _reason("合并理由")
