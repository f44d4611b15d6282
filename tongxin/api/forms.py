from django import forms
from django.utils import timezone

from tongxin.core.forms import BootstrapModelForm
from tongxin.regions.scope import regions_writable_by

from .models import ApiClient
from .services import expiry_default


class ApiClientForm(BootstrapModelForm):
    class Meta:
        model = ApiClient
        fields = ["name", "region", "access", "unmasked_identifiers", "expires_on", "note"]
        widgets = {"expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {
            "name": "对方系统的名称，如“市委组织部干部信息系统”",
            "region": "客户端只能读写这个区域及其下级区域的记录，与用户的区域规则相同",
            "access": "只读：只能查询；读写：还可以按公民身份号码批量新增或更新人员",
        }
        error_messages = {
            "name": {"required": "请填写客户端名称", "unique": "已有同名的接口客户端"},
            "region": {
                "required": "请选择限定区域",
                "invalid_choice": "限定区域必须在您负责的区域之内",
            },
            "expires_on": {"required": "请填写有效期", "invalid": "有效期至应为日期"},
        }

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["region"]
        field.queryset = regions_writable_by(actor).order_by("path")
        field.label_from_instance = lambda r: "　" * r.depth + r.name
        field.empty_label = "请选择"
        if not self.is_bound:
            self.initial.setdefault("expires_on", expiry_default())

    def clean_expires_on(self):
        value = self.cleaned_data["expires_on"]
        if value < timezone.localdate():
            raise forms.ValidationError("有效期至不能早于今天")
        return value
