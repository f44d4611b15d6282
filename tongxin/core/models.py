from django.conf import settings
from django.db import models


class TaskLease(models.Model):
    """A running piece of background work that holds records ("正在导入"),
    with the process doing it and until when it has said it is alive.

    See core/leases.py: a lease whose process died is found and the work's
    owner app marks it failed.
    """

    key = models.CharField("对象", max_length=100, unique=True)  # "imports.importbatch:12"
    owner = models.CharField("进程", max_length=200)  # host:boot id:pid:start ticks
    taken_at = models.DateTimeField("开始时间")
    expires_at = models.DateTimeField("租约到期", db_index=True)

    class Meta:
        verbose_name = "后台任务租约"
        verbose_name_plural = "后台任务租约"

    def __str__(self) -> str:
        return self.key


class RuntimeOption(models.Model):
    """A value a system administrator set on the 系统参数 page, overriding the
    deployment's default (environment variable or built-in) until reset.
    Read through core/options.py only; the keys are declared there."""

    key = models.CharField("参数", max_length=60, unique=True)
    value = models.JSONField("取值")
    updated_at = models.DateTimeField("修改时间")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "系统参数"
        verbose_name_plural = "系统参数"

    def __str__(self) -> str:
        return self.key
