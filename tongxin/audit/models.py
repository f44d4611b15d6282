from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models


class AuditEntryQuerySet(models.QuerySet):
    """Bulk update and delete would skip the per-row guards below."""

    def update(self, **kwargs):
        raise PermissionDenied("审计日志不可修改。")

    def delete(self):
        raise PermissionDenied("审计日志不可删除。")


class AuditEntry(models.Model):
    """An append-only record of who did what. Rows are never changed or deleted by the app."""

    class Action(models.TextChoices):
        LOGIN = "login", "登录"
        LOGIN_FAILED = "login_failed", "登录失败"
        LOGOUT = "logout", "退出"
        VIEW = "view", "查看"
        CREATE = "create", "新增"
        UPDATE = "update", "修改"
        ARCHIVE = "archive", "出库"
        RESTORE = "restore", "恢复入库"
        REVEAL = "reveal", "查看完整证件号码"
        EXPORT = "export", "导出"
        IMPORT = "import", "导入"
        BULK_CREATE = "bulk_create", "批量新增"
        DELETE = "delete", "删除"

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text too, so the entry still says who it was if the user is removed.
    username = models.CharField("用户名", max_length=150, blank=True, db_index=True)
    action = models.CharField("操作", max_length=20, choices=Action.choices, db_index=True)
    object_type = models.CharField("对象类型", max_length=50, blank=True)
    object_id = models.CharField("对象编号", max_length=50, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="区域",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changes = models.JSONField("内容", default=dict, blank=True)
    ip_address = models.GenericIPAddressField("IP地址", null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionDenied("审计日志不可修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("审计日志不可删除。")
