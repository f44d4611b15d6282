from django import forms

from tongxin.core.forms import BootstrapForm

from .services import normalize_code


class CodeForm(BootstrapForm):
    """A code from the authenticator app or, where `recovery` is allowed, a recovery code."""

    code = forms.CharField(
        label="验证码",
        max_length=32,
        error_messages={
            "required": "请输入验证码。",
            "max_length": "验证码太长，请检查后重新输入。",
        },
    )

    def __init__(self, *args, recovery: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.recovery = recovery
        attrs = self.fields["code"].widget.attrs
        attrs.update({"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"})
        if recovery:
            self.fields[
                "code"
            ].help_text = (
                "打开手机上的验证器，输入显示的6位数字；手机不在身边时，可以输入一个恢复码。"
            )
        else:
            attrs["inputmode"] = "numeric"
            self.fields["code"].help_text = "输入验证器上显示的6位数字。"

    def clean_code(self):
        code = normalize_code(self.cleaned_data["code"])
        if not self.recovery and not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError("请输入验证器上显示的6位数字。")
        if not code.isalnum():
            raise forms.ValidationError("验证码只包含数字和字母，请检查后重新输入。")
        return code
