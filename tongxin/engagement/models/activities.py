"""Trainings, secondments, activities with their participants and
attachments, and the bulk additions that can be undone as one step."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tongxin.people.models import DictionaryEntry, Person
from tongxin.regions.scope import ScopedQuerySet

from .base import PersonRecord, RecordStatus, RegionRecord
from .organisations import Cluster, Organisation

# --- training and secondment -----------------------------------------------------


class Training(RegionRecord):
    course = models.CharField("培训班次/课程", max_length=200)
    organiser = models.CharField("主办单位", max_length=200)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期", null=True, blank=True)
    hours = models.DecimalField("学时", max_digits=6, decimal_places=1, null=True, blank=True)
    participants = models.ManyToManyField(
        Person, through="TrainingParticipant", related_name="trainings", verbose_name="参训人员"
    )

    class Meta:
        verbose_name = "培训"
        verbose_name_plural = "培训"
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return self.course


class Attendance(models.TextChoices):
    """Whether a participant of an activity or a training came."""

    REGISTERED = "registered", "报名"
    ATTENDED = "attended", "出席"
    ABSENT = "absent", "缺席"


class TrainingParticipant(models.Model):
    Attendance = Attendance

    training = models.ForeignKey(
        Training, verbose_name="培训", on_delete=models.PROTECT, related_name="enrolments"
    )
    person = models.ForeignKey(
        Person, verbose_name="人员", on_delete=models.PROTECT, related_name="training_enrolments"
    )
    attendance = models.CharField(
        "出勤", max_length=20, choices=Attendance.choices, default=Attendance.REGISTERED
    )
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1, null=True, blank=True)
    batch = models.ForeignKey(
        "ParticipantBatch",
        verbose_name="批量添加",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("加入时间", auto_now_add=True)

    history = HistoricalRecords()

    scope_field = "person__region"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "参训人员"
        verbose_name_plural = "参训人员"
        constraints = [
            models.UniqueConstraint(fields=["training", "person"], name="training_person_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.training}"


class Secondment(PersonRecord):
    host_unit = models.CharField("挂职单位", max_length=200)
    post = models.CharField("挂职岗位", max_length=100)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期", null=True, blank=True)

    class Meta:
        verbose_name = "挂职"
        verbose_name_plural = "挂职"
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return f"{self.host_unit} {self.post}"


# --- activities -------------------------------------------------------------------


class ActivityType(DictionaryEntry):
    class Meta(DictionaryEntry.Meta):
        verbose_name = "活动类型"
        verbose_name_plural = "活动类型"


class Activity(RegionRecord):
    type = models.ForeignKey(ActivityType, verbose_name="活动类型", on_delete=models.PROTECT)
    title = models.CharField("活动名称", max_length=200)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期", null=True, blank=True)
    place = models.CharField("地点", max_length=200, blank=True)
    organiser = models.CharField("主办单位", max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="组织载体",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
        help_text="由联谊会、服务团等组织载体举办时选择。",
    )
    description = models.TextField("活动内容", blank=True)
    persons = models.ManyToManyField(
        Person, through="ActivityParticipant", related_name="activities", verbose_name="参加人员"
    )

    class Meta:
        verbose_name = "活动"
        verbose_name_plural = "活动"
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return self.title


class ActivityParticipant(models.Model):
    class Role(models.TextChoices):
        ORGANISER = "organiser", "组织者"
        SPEAKER = "speaker", "主讲"
        PARTICIPANT = "participant", "参加"

    Attendance = Attendance

    activity = models.ForeignKey(
        Activity, verbose_name="活动", on_delete=models.PROTECT, related_name="participants"
    )
    person = models.ForeignKey(
        Person, verbose_name="人员", on_delete=models.PROTECT, related_name="activity_roles"
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.PARTICIPANT)
    attendance = models.CharField(
        "出勤", max_length=20, choices=Attendance.choices, default=Attendance.REGISTERED
    )
    batch = models.ForeignKey(
        "ParticipantBatch",
        verbose_name="批量添加",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("加入时间", auto_now_add=True)

    history = HistoricalRecords()

    scope_field = "person__region"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "活动参加人员"
        verbose_name_plural = "活动参加人员"
        constraints = [
            models.UniqueConstraint(fields=["activity", "person"], name="activity_person_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.activity}"


def _attachment_path(instance, filename: str) -> str:
    # The stored name is not the user's: uploads never choose their own path.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"engagement/activities/{timezone.now():%Y}/{instance.activity_id}-{_token()}.{suffix}"


def _token() -> str:
    import secrets

    return secrets.token_hex(8)


class ActivityAttachment(models.Model):
    activity = models.ForeignKey(
        Activity, verbose_name="活动", on_delete=models.PROTECT, related_name="attachments"
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
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    status = models.CharField(
        "状态", max_length=10, choices=RecordStatus.choices, default=RecordStatus.ACTIVE
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "活动附件"
        verbose_name_plural = "活动附件"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ParticipantBatch(models.Model):
    """Persons added to an activity, training or cluster by one bulk action, so
    the whole addition can be undone as one step (issue 18: undoing a wrong
    "全部添加" meant 1,945 withdrawals). Exactly one target is set."""

    activity = models.ForeignKey(
        Activity, verbose_name="活动", null=True, blank=True, on_delete=models.PROTECT,
        related_name="batches",
    )  # fmt: skip
    training = models.ForeignKey(
        Training, verbose_name="培训", null=True, blank=True, on_delete=models.PROTECT,
        related_name="batches",
    )  # fmt: skip
    cluster = models.ForeignKey(
        Cluster, verbose_name="聚集区域", null=True, blank=True, on_delete=models.PROTECT,
        related_name="batches",
    )  # fmt: skip
    added = models.PositiveIntegerField("添加人数")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="添加人", null=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    added_at = models.DateTimeField("添加时间", auto_now_add=True)
    undone_at = models.DateTimeField("撤销时间", null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="撤销人", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    undone = models.PositiveIntegerField("撤回人数", default=0)

    class Meta:
        verbose_name = "批量添加"
        verbose_name_plural = "批量添加"

    def __str__(self) -> str:
        return f"批量添加 {self.added} 人（{self.added_at:%Y-%m-%d %H:%M}）"

    @property
    def target(self):
        return self.activity or self.training or self.cluster
