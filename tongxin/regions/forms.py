from django import forms

from tongxin.accounts.forms import BootstrapFormMixin

from .models import Region


class RegionForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Region
        fields = ["code", "name", "kind", "parent", "sort_order", "is_active"]
        error_messages = {
            "code": {"required": "请填写区域代码。"},
            "name": {"required": "请填写名称。"},
            "kind": {"required": "请选择类型。"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Two levels: the city and its county-level units.
        self.fields["parent"].queryset = Region.objects.filter(kind=Region.Kind.CITY)
        self.fields["parent"].empty_label = "（无）"

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        taken = Region.objects.filter(code=code).exclude(pk=self.instance.pk).first()
        if taken is not None:
            raise forms.ValidationError(f"区域代码“{code}”已被“{taken.name}”使用。", code="unique")
        return code

    def clean(self):
        cleaned = super().clean()
        kind, parent = cleaned.get("kind"), cleaned.get("parent")
        if kind == Region.Kind.CITY and parent is not None:
            self.add_error("parent", "市级区域不设上级区域。")
        elif kind and kind != Region.Kind.CITY and parent is None and "parent" not in self.errors:
            self.add_error("parent", "县区级单位须选择所属的市。")
        if (
            self.instance.pk
            and self.instance.is_active
            and cleaned.get("is_active") is False
            and self.instance.children.filter(is_active=True).exists()
        ):
            self.add_error("is_active", "该区域下还有启用的下级区域，请先停用下级区域。")
        return cleaned
