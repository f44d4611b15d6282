import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone

from tongxin.regions.scope import ScopedQuerySet


class AuditEntryQuerySet(ScopedQuerySet):
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

    @property
    def actor_name(self) -> str:
        """Who acted, as colleagues call them: the user's display name, else the
        stored username. Select the user with the entries, or this queries per row."""
        user = self.user if self.user_id else None
        return (user.display_name if user is not None else "") or self.username


# --- The two narrow exceptions to append-only -------------------------------
# The app, the admin and the audit page can neither change nor delete an entry
# (above). The law asks for exactly two things the guards would refuse, and
# these functions are the only code that gets past them:
#   * erasure on a person's request (tongxin/privacy): the entries about the
#     erased records keep who/when/what-action, but their text is redacted;
#   * retention (audit/retention.py): entries older than the retention period,
#     never younger than MINIMUM_RETENTION_DAYS, are deleted.
# Both bypass AuditEntryQuerySet by calling the plain QuerySet methods.

MINIMUM_RETENTION_DAYS = 180

# Only the text of an entry can be redacted: who, when, which action on which
# record (type and id) are what the entry is for.
REDACTABLE_FIELDS = frozenset({"object_repr", "changes"})


def redact_entry(entry_id: int, **values) -> int:
    """Replace the text of one audit entry (erasure only); returns rows changed."""
    if not values or set(values) - REDACTABLE_FIELDS:
        raise PermissionDenied("审计日志只能按删除申请遮盖对象和内容。")
    return models.QuerySet.update(AuditEntry.objects.filter(pk=entry_id), **values)


def delete_entries_before(cutoff) -> int:
    """Delete entries older than `cutoff` (retention only); returns how many.

    Refuses a cutoff that would cut into the legal minimum, whoever calls.
    """
    latest_allowed = timezone.now() - datetime.timedelta(days=MINIMUM_RETENTION_DAYS)
    if cutoff > latest_allowed:
        raise PermissionDenied(f"审计日志保存期不得少于{MINIMUM_RETENTION_DAYS}天。")
    deleted, _ = models.QuerySet.delete(AuditEntry.objects.filter(at__lt=cutoff))
    return deleted
