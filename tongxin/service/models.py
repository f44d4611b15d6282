"""Service and voice (服务帮助、建言献策): the member-unit directory, the requests a
person brings to the office (意见诉求) and the suggestions persons submit
(建言献策), with the office's handling of each.

These records hold what the person brought and what the office did about it.
Nothing here analyses or classifies the content beyond the category the
office itself assigns (SPEC.md, Principles).
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tongxin.core.templatetags.tongxin import cn_date
from tongxin.people.models import DictionaryEntry
from tongxin.regions.scope import ScopedQuerySet


def local_today() -> datetime.date:
    """Today in the deployment's time zone (Asia/Shanghai by default)."""
    return timezone.localdate()


class RequestCategory(DictionaryEntry):
    """Kind of practical difficulty (社会保障, 职称评审 …); seeded, admin-extendable."""

    class Meta(DictionaryEntry.Meta):
        verbose_name = "诉求类别"
        verbose_name_plural = "诉求类别"


class Department(models.Model):
    """A unit requests and suggestions are routed to (联席会议成员单位 and others).

    One directory for the whole deployment: not tied to a region.
    """

    class Kind(models.TextChoices):
        MEMBER = "member", "联席会议成员单位"
        OTHER = "other", "其他单位"

    name = models.CharField("单位名称", max_length=100, unique=True)
    kind = models.CharField("单位类型", max_length=10, choices=Kind.choices, default=Kind.MEMBER)
    contact_person = models.CharField("联系人", max_length=50, blank=True)
    phone = models.CharField(
        "联系电话",
        max_length=30,
        blank=True,
        help_text="固定电话（如 0771-5551234，可带分机）或11位手机号码。",
    )
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    history = HistoricalRecords(verbose_name="成员单位历史", cascade_delete_history=False)

    class Meta:
        verbose_name = "成员单位"
        verbose_name_plural = "成员单位"
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class ServiceRequestQuerySet(ScopedQuerySet):
    def open(self):
        """Still to be handled: neither closed nor withdrawn."""
        return self.filter(status__in=ServiceRequest.OPEN_STATUSES)

    def overdue(self, today: datetime.date | None = None):
        """Not closed and past the due date; a request due today is not overdue yet.

        Written as `status IN (open statuses) AND due_date < today` so that the
        (status, due_date) index answers it.
        """
        today = today or local_today()
        return self.filter(status__in=ServiceRequest.DUE_STATUSES, due_date__lt=today)


class ServiceRequest(models.Model):
    """A practical difficulty or demand a person raised (意见诉求) and its handling."""

    # What the record says of the request and its handling, as the API gives
    # it; the change history follows these and the reason for a cancellation.
    RECORD_FIELDS = (
        "category",
        "content",
        "channel",
        "received_on",
        "status",
        "department",
        "assigned_on",
        "due_date",
        "answer",
        "closed_on",
        "satisfaction",
        "followed_up_on",
    )
    HISTORY_FIELDS = (*RECORD_FIELDS, "cancel_reason")

    class Channel(models.TextChoices):
        IN_PERSON = "in_person", "当面"
        PHONE = "phone", "电话"
        WRITTEN = "written", "书面"
        FORUM = "forum", "座谈会"
        PORTAL = "portal", "本人在线提交"
        OTHER = "other", "其他"

    class Status(models.TextChoices):
        RECEIVED = "received", "已受理"
        ASSIGNED = "assigned", "已交办"
        IN_PROGRESS = "in_progress", "办理中"
        CLOSED = "closed", "已办结"
        # A request recorded by mistake, or withdrawn by the person: kept, never deleted.
        CANCELLED = "cancelled", "已撤销"

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", "满意"
        BASICALLY = "basically", "基本满意"
        UNSATISFIED = "unsatisfied", "不满意"

    # Statuses in which a due date runs.
    DUE_STATUSES = [Status.ASSIGNED, Status.IN_PROGRESS]
    OPEN_STATUSES = [Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS]

    person = models.ForeignKey(
        "people.Person",
        verbose_name="代表人士",
        on_delete=models.PROTECT,
        related_name="service_requests",
    )
    # The person's region when the request was received: the office that took
    # it keeps handling it if the person later moves.
    region = models.ForeignKey(
        "regions.Region", verbose_name="所属区域", on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(RequestCategory, verbose_name="诉求类别", on_delete=models.PROTECT)
    content = models.TextField("诉求内容")
    channel = models.CharField("反映渠道", max_length=12, choices=Channel.choices)
    received_on = models.DateField("受理日期")

    status = models.CharField(
        "办理状态", max_length=12, choices=Status.choices, default=Status.RECEIVED
    )
    department = models.ForeignKey(
        Department,
        verbose_name="承办单位",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
    )
    assigned_on = models.DateField("交办日期", null=True, blank=True)
    due_date = models.DateField("办理时限", null=True, blank=True)
    answer = models.TextField("答复内容", blank=True)
    closed_on = models.DateField("办结日期", null=True, blank=True)
    satisfaction = models.CharField(
        "回访满意度", max_length=12, choices=Satisfaction.choices, blank=True
    )
    followed_up_on = models.DateField("回访日期", null=True, blank=True)
    cancel_reason = models.CharField("撤销原因", max_length=200, blank=True)
    # Submitted by the person on their own page (tongxin/portal), not typed in by staff.
    self_submitted = models.BooleanField("本人在线提交", default=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords(
        verbose_name="意见诉求历史", excluded_fields=["updated_at"], cascade_delete_history=False
    )
    objects = ServiceRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "意见诉求"
        verbose_name_plural = "意见诉求"
        indexes = [
            # The overdue filter: status IN (…) AND due_date < today.
            models.Index(fields=["status", "due_date"], name="request_status_due"),
            models.Index(fields=["region", "status", "due_date"], name="request_region_status_due"),
            # A person-name search combined with other filters: covering, so the
            # count does not prefer request_status_due and test 25k rows.
            models.Index(fields=["person", "status", "due_date"], name="request_person_status_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(answer=""), name="request_closed_has_answer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person.name}：{self.category.name}（{cn_date(self.received_on)}）"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    def is_overdue_on(self, today: datetime.date) -> bool:
        return bool(self.status in self.DUE_STATUSES and self.due_date and self.due_date < today)

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(local_today())


class RequestProgress(models.Model):
    """One progress note of the handling department (办理进展). Append-only."""

    request = models.ForeignKey(
        ServiceRequest, verbose_name="意见诉求", on_delete=models.PROTECT, related_name="progress"
    )
    on_date = models.DateField("日期")
    note = models.TextField("办理情况")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "办理进展"
        verbose_name_plural = "办理进展"
        ordering = ["on_date", "id"]

    def __str__(self) -> str:
        return f"{cn_date(self.on_date)} {self.note[:30]}"


class RequestFollowUp(models.Model):
    """A follow-up with the person after closing (回访). Append-only."""

    request = models.ForeignKey(
        ServiceRequest, verbose_name="意见诉求", on_delete=models.PROTECT, related_name="follow_ups"
    )
    on_date = models.DateField("回访日期")
    satisfaction = models.CharField(
        "满意度", max_length=12, choices=ServiceRequest.Satisfaction.choices
    )
    note = models.TextField("回访情况", blank=True)
    reopened = models.BooleanField("重新办理", default=False)
    reopen_reason = models.CharField("重新办理原因", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "回访记录"
        verbose_name_plural = "回访记录"
        ordering = ["on_date", "id"]

    def __str__(self) -> str:
        return f"{cn_date(self.on_date)} {self.get_satisfaction_display()}"


class Suggestion(models.Model):
    """A proposal one or more persons submitted (建言献策) and what became of it."""

    # What the record says of the proposal and its fate, as the API gives it
    # (with its submitters); the change history follows these and the region.
    RECORD_FIELDS = (
        "title",
        "topic",
        "submitted_on",
        "content",
        "department",
        "forwarded_on",
        "outcome",
        "response",
        "responded_on",
    )
    HISTORY_FIELDS = ("region", *RECORD_FIELDS)

    class Outcome(models.TextChoices):
        ADOPTED = "adopted", "采纳"
        LEADER_INSTRUCTION = "leader_instruction", "领导批示"
        PARTLY_ADOPTED = "partly_adopted", "部分采纳"
        NOT_ADOPTED = "not_adopted", "未采纳"

    region = models.ForeignKey(
        "regions.Region", verbose_name="所属区域", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("标题", max_length=200)
    content = models.TextField("内容")
    topic = models.CharField("主题领域", max_length=100, blank=True)
    submitted_on = models.DateField("提出日期")
    submitters = models.ManyToManyField(
        "people.Person", verbose_name="建言人", related_name="suggestions"
    )
    department = models.ForeignKey(
        Department,
        verbose_name="转交单位",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="suggestions",
    )
    forwarded_on = models.DateField("转交日期", null=True, blank=True)
    outcome = models.CharField("办理结果", max_length=20, choices=Outcome.choices, blank=True)
    response = models.TextField("反馈内容", blank=True)
    responded_on = models.DateField("反馈日期", null=True, blank=True)
    # Submitted by the person on their own page (tongxin/portal), not typed in by staff.
    self_submitted = models.BooleanField("本人在线提交", default=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    # Submitter changes are written into the history row's reason (and the
    # audit entry), so one edit is one history row; simple-history's m2m
    # tracking would add a row per add/remove signal.
    history = HistoricalRecords(
        verbose_name="建言献策历史",
        excluded_fields=["updated_at"],
        cascade_delete_history=False,
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "建言献策"
        verbose_name_plural = "建言献策"
        indexes = [models.Index(fields=["region", "id"], name="suggestion_region_id")]

    def __str__(self) -> str:
        return self.title

    @property
    def stage(self) -> str:
        if self.outcome:
            return "已反馈"
        if self.department_id:
            return "已转交"
        return "已登记"
