from django import forms

from .models import BLOCKINGS, COMPARISONS, DuplicateRule


class RuleForm(forms.ModelForm):
    """A rule as a system administrator edits it: one weight box per
    comparison (empty or 0: not compared), the blocks as checkboxes."""

    blocking = forms.MultipleChoiceField(
        label="候选分组",
        choices=list(BLOCKINGS.items()),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一项候选分组"},
    )

    class Meta:
        model = DuplicateRule
        fields = ["name", "threshold", "is_active", "blocking"]
        error_messages = {
            "threshold": {"required": "请填写判定阈值", "invalid": "判定阈值须为数字"},
            "name": {"required": "请填写名称"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        weights = self.instance.weights or {}
        for code, label in COMPARISONS.items():
            self.fields[f"w_{code}"] = forms.FloatField(
                label=f"权重：{label}",
                required=False,
                min_value=0,
                initial=weights.get(code),
                error_messages={
                    "invalid": f"“{label}”的权重须为数字",
                    "min_value": f"“{label}”的权重不能为负数",
                },
            )
        for name, field in self.fields.items():
            if name not in ("blocking", "is_active"):
                field.widget.attrs.setdefault("class", "form-control form-control-sm")

    def weight_fields(self):
        return [self[f"w_{code}"] for code in COMPARISONS]

    def main_fields(self):
        return [self["name"], self["threshold"], self["is_active"]]

    def service_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in ("name", "threshold", "is_active")}
        data["blocking"] = list(self.cleaned_data["blocking"])
        data["weights"] = {
            code: self.cleaned_data[f"w_{code}"]
            for code in COMPARISONS
            if self.cleaned_data.get(f"w_{code}")
        }
        return data
