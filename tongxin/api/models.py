"""Systems that exchange data with tongxin through its API, and their tokens."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone

from tongxin.regions.scope import NOTHING, Scope, ScopedQuerySet

TOKEN_PREFIX = "txapi_"


def token_digest(token: str) -> str:
    """The stored form of a token. Tokens are 256 random bits, so one SHA-256
    suffices (a slow password hash guards guessable secrets, not these)."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiClient(models.Model):
    """Another system (组织部、人大、政协 or the level above) limited to one region node."""

    class Access(models.TextChoices):
        READ = "read", "只读"
        READ_WRITE = "read_write", "读写"

    name = models.CharField("客户端名称", max_length=100, unique=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name="限定区域", on_delete=models.PROTECT, related_name="+"
    )
    access = models.CharField("权限", max_length=12, choices=Access.choices, default=Access.READ)
    unmasked_identifiers = models.BooleanField(
        "可接收完整证件号码和手机号",
        default=False,
        help_text="不勾选时，公民身份号码和手机号码按页面同样的方式打码",
    )
    expires_on = models.DateField("有效期至", help_text="当天结束后令牌失效")
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    token_hint = models.CharField("令牌开头", max_length=16, editable=False)
    token_issued_at = models.DateTimeField("令牌签发时间", default=timezone.now)
    revoked_at = models.DateTimeField("停用时间", null=True, blank=True)
    last_used_at = models.DateTimeField("最近调用", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "接口客户端"
        verbose_name_plural = "接口客户端"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, today=None) -> bool:
        return (today or timezone.localdate()) > self.expires_on

    @property
    def is_usable(self) -> bool:
        return not self.is_revoked and not self.is_expired()

    @property
    def state_label(self) -> str:
        if self.is_revoked:
            return "已停用"
        if self.is_expired():
            return "已过期"
        return "有效"

    @property
    def may_write(self) -> bool:
        return self.access == self.Access.READ_WRITE

    def read_scope(self) -> Scope:
        """The client's node and everything under it (regions/scope.py)."""
        if "_scope" not in self.__dict__:
            self.__dict__["_scope"] = Scope.of_region(self.region_id)
        return self.__dict__["_scope"]

    def write_scope(self) -> Scope:
        return self.read_scope() if self.may_write else NOTHING
