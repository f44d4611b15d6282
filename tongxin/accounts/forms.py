from django import forms
from django.contrib.auth import password_validation
from django.db.models import Q

from tongxin.core.forms import BootstrapForm, BootstrapModelForm

from .access import regions_placeable_by
from .models import User
from .services import check_role_regions


def _regions_field(field, actor: User, user: User | None = None) -> None:
    """The nodes `actor` may place accounts at (active ones, plus any inactive
    ones the account already holds), as an indented tree."""
    condition = Q(is_active=True)
    if user is not None and user.pk:
        condition |= Q(staff=user)
    field.queryset = regions_placeable_by(actor).filter(condition).distinct().order_by("path")
    field.label_from_instance = lambda r: "　" * r.depth + r.name


class PasswordPairForm(BootstrapForm):
    """A new password typed twice, checked against settings.AUTH_PASSWORD_VALIDATORS."""

    password1 = forms.CharField(
        label="密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "请输入密码。"},
    )
    password2 = forms.CharField(
        label="再次输入密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "请再次输入密码。"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = " ".join(
            str(text) for text in password_validation.password_validators_help_texts()
        )

    def check_passwords(self, user: User) -> None:
        """Add field errors if the two entries differ or a validator refuses the password."""
        password1 = self.cleaned_data.get("password1")
        password2 = self.cleaned_data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "两次输入的密码不一致。")
            return
        if password1:
            try:
                # The validators (accounts/password_validation.py) speak Chinese.
                password_validation.validate_password(password1, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)


class RoleRegionsMixin:
    """Says at once, next to the regions field, what user_create/user_update would refuse."""

    def check_role_regions(self) -> None:
        role, regions = self.cleaned_data.get("role"), self.cleaned_data.get("regions")
        if role and regions is not None and "regions" not in self._errors:
            try:
                check_role_regions(role, regions)
            except forms.ValidationError as error:
                self.add_error(None, error)


class UserCreateForm(RoleRegionsMixin, PasswordPairForm, BootstrapModelForm):
    class Meta:
        model = User
        fields = ["username", "display_name", "role", "regions"]
        widgets = {"regions": forms.CheckboxSelectMultiple}
        help_texts = {
            "username": "登录用，创建后不能修改；可用字母、数字和 @ . + - _ 。",
            "regions": "账号所在的区域节点（评审人以外至少选一个）：只能看到这些区域及其下级区域的记录。",
        }
        error_messages = {
            "username": {"required": "请填写用户名。"},
            "role": {"required": "请选择角色。"},
        }

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = "初始密码"
        _regions_field(self.fields["regions"], actor)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        # Case-insensitive: "Admin" and "admin" side by side only cause confusion.
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(f"用户名“{username}”已被使用。", code="unique")
        return username

    def clean(self):
        cleaned = super().clean()
        candidate = User(
            username=cleaned.get("username", ""), display_name=cleaned.get("display_name", "")
        )
        self.check_passwords(candidate)
        self.check_role_regions()
        return cleaned

    def validate_unique(self):
        # clean_username already said it in Chinese, case-insensitively.
        pass


class UserEditForm(RoleRegionsMixin, BootstrapModelForm):
    class Meta:
        model = User
        fields = ["display_name", "role", "regions", "is_active"]
        widgets = {"regions": forms.CheckboxSelectMultiple}
        labels = {"is_active": "启用"}
        help_texts = {
            "regions": "账号所在的区域节点（评审人以外至少选一个）：只能看到这些区域及其下级区域的记录。",
            "is_active": "停用后该账号不能登录；账号不删除，日志中的记录保留。",
        }
        error_messages = {"role": {"required": "请选择角色。"}}

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        _regions_field(self.fields["regions"], actor, self.instance)

    def clean(self):
        cleaned = super().clean()
        self.check_role_regions()
        return cleaned


class UserPasswordForm(PasswordPairForm):
    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = "新密码"

    def clean(self):
        cleaned = super().clean()
        self.check_passwords(self.user)
        return cleaned


class OwnPasswordChangeForm(PasswordPairForm):
    """A user changing their own password: the current one first, then the new one twice."""

    old_password = forms.CharField(
        label="当前密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "请输入当前密码。"},
    )
    field_order = ["old_password", "password1", "password2"]

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = "新密码"
        self.fields["password2"].label = "再次输入新密码"

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        if not self.user.check_password(old_password):
            raise forms.ValidationError("当前密码不正确。", code="password_incorrect")
        return old_password

    def clean(self):
        cleaned = super().clean()
        self.check_passwords(self.user)
        return cleaned
