"""What moves between the levels of the region tree, as requests with an
approving node (分级管理): a recommendation into an upper node's tier (推荐),
a proposal to take a person in an upper tier out of the database (出库), a
transfer between regions (调出/调入), the confirmation of a node's annual
review by the node above (年度复核确认) and the merge of two records of one
person registered in two regions (合并, found by tongxin/dedupe).

One model for all of them: the states, the proposer, the approving node, the
due date, the comments and the trail are the same; each kind's effect on
approval lives in services.py.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tongxin.levels.models import Tier
from tongxin.people.models import Person
from tongxin.regions.scope import read_scope


class ChangeRequestQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ChangeRequestQuerySet":
        """A request concerns up to three nodes: where it was asked (`origin`),
        where it goes (`target`, a transfer's destination) and who decides
        (`approver`); the staff of each read it."""
        scope = read_scope(user)
        if scope.is_empty:
            return self.none()
        if scope.everything:
            return self.all()
        return self.filter(scope.q("origin") | scope.q("target") | scope.q("approver"))


class ChangeRequest(models.Model):
    class Kind(models.TextChoices):
        RECOMMEND = "recommend", "推荐"
        REMOVAL = "removal", "出库"
        TRANSFER = "transfer", "调动"
        REVIEW = "review", "年度复核确认"
        REPORT = "report", "报送"
        MERGE = "merge", "合并"

    class State(models.TextChoices):
        DRAFT = "draft", "草稿"
        PENDING = "pending", "待审核"
        APPROVED = "approved", "通过"
        RETURNED = "returned", "退回"
        WITHDRAWN = "withdrawn", "撤回"

    class Direction(models.TextChoices):
        OUT = "out", "调出"
        IN = "in", "调入"

    OPEN_STATES = (State.DRAFT, State.PENDING, State.RETURNED)

    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.DRAFT)
    person = models.ForeignKey(
        Person,
        verbose_name="人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="change_requests",
    )
    tier = models.ForeignKey(
        Tier,
        verbose_name="分级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="change_requests",
    )
    origin = models.ForeignKey(
        "regions.Region", verbose_name="提出区域", on_delete=models.PROTECT, related_name="+"
    )
    target = models.ForeignKey(
        "regions.Region",
        verbose_name="调入区域",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approver = models.ForeignKey(
        "regions.Region", verbose_name="审核区域", on_delete=models.PROTECT, related_name="+"
    )
    # 合并: the other region's record of the same person (never named to the
    # proposing side), and which of the two is kept.
    other_person = models.ForeignKey(
        Person,
        verbose_name="对方记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    keep_other = models.BooleanField("保留对方记录", default=False)
    direction = models.CharField("调动方向", max_length=3, choices=Direction.choices, blank=True)
    year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    archive_reason = models.CharField(
        "出库原因", max_length=20, choices=Person.ArchiveReason.choices, blank=True
    )
    reason = models.TextField("理由", max_length=1000)
    # 报送: the year's 附件1 as submitted (and the size of the 附件2 batch), kept
    # as that year's figures whatever changes afterwards.
    snapshot = models.JSONField("报送数据", null=True, blank=True)
    decision_note = models.CharField("审核意见", max_length=500, blank=True)
    due_date = models.DateField("办理期限", null=True, blank=True)
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提出人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("提出时间", default=timezone.now)
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)

    history = HistoricalRecords(verbose_name="申请历史")

    objects = ChangeRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "分级流转申请"
        verbose_name_plural = "分级流转申请"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "approver"], name="changerequest_state_approver"),
            models.Index(fields=["proposer", "state"], name="changerequest_proposer_state"),
            models.Index(fields=["origin"], name="changerequest_origin"),
            models.Index(fields=["target"], name="changerequest_target"),
        ]

    def __str__(self) -> str:
        return f"{self.title_kind}申请 #{self.pk}"

    @property
    def title_kind(self) -> str:
        if self.kind == self.Kind.TRANSFER and self.direction:
            return self.get_direction_display()
        return self.get_kind_display()

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


class RequestEvent(models.Model):
    """The request's trail: every state change and every comment, in order."""

    class Kind(models.TextChoices):
        CREATED = "created", "起草"
        SUBMITTED = "submitted", "提交审核"
        APPROVED = "approved", "通过"
        RETURNED = "returned", "退回"
        WITHDRAWN = "withdrawn", "撤回"
        COMMENT = "comment", "意见"
        ATTACHMENT = "attachment", "上传附件"

    request = models.ForeignKey(
        ChangeRequest, verbose_name="申请", on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField("事项", max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办理人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.CharField("内容", max_length=1000, blank=True)
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "申请办理记录"
        verbose_name_plural = "申请办理记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


def _attachment_path(instance, filename: str) -> str:
    # The stored name is not the user's: uploads never choose their own path.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    token = secrets.token_hex(8)
    return f"flows/{timezone.now():%Y}/{instance.request_id}-{token}.{suffix}"


class RequestAttachment(models.Model):
    request = models.ForeignKey(
        ChangeRequest, verbose_name="申请", on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField("文件", upload_to=_attachment_path)
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = "申请附件"
        verbose_name_plural = "申请附件"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
