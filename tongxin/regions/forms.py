from django import forms

from tongxin.core.forms import BootstrapModelForm

from .models import Region
from .scope import placement_scope


class RegionForm(BootstrapModelForm):
    class Meta:
        model = Region
        fields = ["code", "name", "kind", "parent", "sort_order", "is_active"]
        error_messages = {
            "code": {"required": "请填写区域代码。"},
            "name": {"required": "请填写名称。"},
            "kind": {"required": "请选择类型。"},
        }

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        # An administrator keeps the tree inside their own subtrees; only one
        # who sees the whole tree adds or moves roots.
        self.reach = placement_scope(actor)
        # Any node may be a parent except the region itself and its subtree.
        parents = self.reach.regions().order_by("path")
        if self.instance.pk and self.instance.path:
            parents = parents.exclude(path__startswith=self.instance.path)
        self.fields["parent"].queryset = parents
        self.fields["parent"].empty_label = "（无：树的根）" if self.reach.everything else None
        self.fields["parent"].required = not self.reach.everything
        self.fields["parent"].label_from_instance = lambda r: "　" * r.depth + r.name

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        taken = Region.objects.filter(code=code).exclude(pk=self.instance.pk).first()
        if taken is not None:
            raise forms.ValidationError(f"区域代码“{code}”已被“{taken.name}”使用。", code="unique")
        return code

    def clean(self):
        cleaned = super().clean()
        kind, parent = cleaned.get("kind"), cleaned.get("parent")
        if kind and "parent" not in self.errors:
            rank = Region.RANK[kind]
            label = Region.Kind(kind).label
            if parent is None and rank > Region.RANK[Region.Kind.CITY]:
                self.add_error("parent", f"“{label}”须选择上级区域。")
            elif parent is not None and parent.rank >= rank:
                self.add_error(
                    "parent",
                    f"“{label}”的上级区域应是更高一级的区域，不能是“{parent.get_kind_display()}”。",
                )
        if (
            self.instance.pk
            and self.instance.is_active
            and cleaned.get("is_active") is False
            and self.instance.children.filter(is_active=True).exists()
        ):
            self.add_error("is_active", "该区域下还有启用的下级区域，请先停用下级区域。")
        return cleaned
