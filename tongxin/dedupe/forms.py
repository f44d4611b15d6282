from django import forms

from .models import BLOCKINGS, COMPARISONS, DuplicateRule


class RuleForm(forms.ModelForm):
    weights = forms.JSONField(label="比较项与权重")
    blocking = forms.MultipleChoiceField(
        label="候选分组", choices=list(BLOCKINGS.items()), widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = DuplicateRule
        fields = ["name", "weights", "threshold", "blocking", "is_active"]
        error_messages = {
            "threshold": {"required": "请填写判定阈值", "invalid": "判定阈值须为数字"},
            "name": {"required": "请填写名称"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["weights"].help_text = "可用比较项：" + "；".join(
            f"{code}＝{label}" for code, label in COMPARISONS.items()
        )
        self.fields["weights"].error_messages["invalid"] = (
            '比较项与权重须为JSON，例如 {"mobile": 10}'
        )
        for name, field in self.fields.items():
            if name not in ("blocking", "is_active"):
                field.widget.attrs.setdefault("class", "form-control form-control-sm")
