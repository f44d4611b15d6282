from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac


class User(AbstractUser):
    """A staff member. What they may see and do follows from `role` and `regions`."""

    class Role(models.TextChoices):
        ADMIN = "admin", "系统管理员"
        CITY = "city", "市级工作人员"
        COUNTY = "county", "县区工作人员"
        LEADER = "leader", "领导"
        EVALUATOR = "evaluator", "评审人"

    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.COUNTY)
    regions = models.ManyToManyField(
        "regions.Region",
        verbose_name="所在区域",
        blank=True,
        related_name="staff",
        help_text="账号所在的区域节点：只能看到（按角色修改）这些区域及其下级区域的记录。",
    )
    display_name = models.CharField("姓名", max_length=50, blank=True)
    must_change_password = models.BooleanField(
        "须修改密码",
        default=False,
        help_text="管理员创建账号或重设密码后，本人须先修改密码才能继续使用。",
    )
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    is_demo_account = models.BooleanField(
        "演示账号",
        default=False,
        help_text="由 `tongxin demo` 创建；生产模式下存在启用的演示账号时服务拒绝启动。",
    )
    # Raised by "退出所有设备": it is part of the session hash, so every session
    # signed with the old value stops being valid at once.
    session_generation = models.PositiveIntegerField("会话代数", default=0, editable=False)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def can_edit_persons(self) -> bool:
        return self.role in {self.Role.ADMIN, self.Role.CITY, self.Role.COUNTY}

    @property
    def can_reveal_identifiers(self) -> bool:
        # Leaders read dashboards and reports only; identifiers stay masked for them.
        return self.role in {self.Role.ADMIN, self.Role.CITY, self.Role.COUNTY}

    @property
    def is_system_admin(self) -> bool:
        return self.role == self.Role.ADMIN or self.is_superuser

    @property
    def can_place_at_city_level(self) -> bool:
        return self.role in {self.Role.ADMIN, self.Role.CITY}

    def _get_session_auth_hash(self, secret=None):
        # Generation 0 keeps Django's own hash, so existing sessions survive the
        # upgrade; from the first "退出所有设备" on, the generation is mixed in.
        if not self.session_generation:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "tongxin.accounts.User.session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class PasswordHistory(models.Model):
    """Hashes of a user's recent passwords, so a new one can't repeat them.

    Only the hash is kept (the same hash the user row holds), and only the
    newest PASSWORD_HISTORY_COUNT per user.
    """

    user = models.ForeignKey(
        User, verbose_name="用户", on_delete=models.CASCADE, related_name="password_history"
    )
    password = models.CharField("密码摘要", max_length=128)
    created_at = models.DateTimeField("设置时间")

    class Meta:
        verbose_name = "历史密码"
        verbose_name_plural = "历史密码"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        # Never the hash itself.
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"
