import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


def _new_token() -> str:
    return secrets.token_urlsafe(16)


class ReportJob(models.Model):
    """A file generated in the background (a large export or a batch of forms).

    Progress lives here rather than in the task queue, so the progress page
    reads one row and survives a reload, whichever task backend runs the job.
    """

    class Kind(models.TextChoices):
        PERSON_EXPORT = "person_export", "人员名单导出"
        FORM_BATCH = "form_batch", "登记表批量导出"

    class Status(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人",
        on_delete=models.PROTECT,
        related_name="report_jobs",
    )
    params = models.JSONField("筛选条件", default=dict, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField("总数", default=0)
    done = models.PositiveIntegerField("已完成", default=0)
    file_name = models.CharField("文件", max_length=200, blank=True)
    error = models.CharField("错误", max_length=500, blank=True)
    token = models.CharField(max_length=32, default=_new_token, editable=False)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    history = HistoricalRecords(verbose_name="报表任务历史", excluded_fields=["done"])

    class Meta:
        verbose_name = "报表任务"
        verbose_name_plural = "报表任务"
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "id"], name="reportjob_user_id")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return 0
        return min(99, self.done * 100 // self.total)

    @property
    def download_name(self) -> str:
        # The office's clock (settings.TIME_ZONE), not the UTC it is stored in.
        stamp = timezone.localtime(self.created_at).strftime("%Y%m%d-%H%M")
        if self.kind == self.Kind.FORM_BATCH:
            return f"登记表-{stamp}.zip"
        return f"代表人士名单-{stamp}.xlsx"
