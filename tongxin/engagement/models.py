"""Cultivation and use (培养使用): what the office does with the persons in the registry.

Every record belongs to a region (the person's, or the organiser's) and follows the
same access rules as persons (see access.py). Nothing is deleted: a record that
should no longer count is cancelled (status 已撤销) and keeps its history.
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tongxin.people.models import DictionaryEntry, Person
from tongxin.regions.scope import ScopedQuerySet


class RecordStatus(models.TextChoices):
    ACTIVE = "active", "有效"
    CANCELLED = "cancelled", "已撤销"


class RegionRecord(models.Model):
    """Fields every engagement record shares: region, status, version, timestamps."""

    region = models.ForeignKey(
        "regions.Region", verbose_name="所属区域", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=10, choices=RecordStatus.choices, default=RecordStatus.ACTIVE
    )
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords(inherit=True, excluded_fields=["updated_at"])

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_cancelled(self) -> bool:
        return self.status == RecordStatus.CANCELLED


class PersonRecord(RegionRecord):
    """A record about one person; its region is the person's when it was made."""

    person = models.ForeignKey(
        Person, verbose_name="人员", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True


# --- clusters and organisations ----------------------------------------------


class Cluster(RegionRecord):
    """A named place where many such persons work (an arts village, a creative park …)."""

    name = models.CharField("名称", max_length=100)
    description = models.TextField("简介", blank=True)
    persons = models.ManyToManyField(
        Person, through="ClusterMembership", related_name="clusters", verbose_name="人员"
    )

    class Meta:
        verbose_name = "聚集区域"
        verbose_name_plural = "聚集区域"
        ordering = ["region__sort_order", "name", "id"]

    def __str__(self) -> str:
        return self.name


class ClusterMembership(models.Model):
    cluster = models.ForeignKey(
        Cluster, verbose_name="聚集区域", on_delete=models.PROTECT, related_name="memberships"
    )
    person = models.ForeignKey(
        Person, verbose_name="人员", on_delete=models.PROTECT, related_name="cluster_memberships"
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

    # A member withdrawn by mistake leaves a deletion row here naming who and where.
    history = HistoricalRecords()

    scope_field = "person__region"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "聚集区域人员"
        verbose_name_plural = "聚集区域人员"
        constraints = [
            models.UniqueConstraint(fields=["cluster", "person"], name="cluster_person_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.cluster}"


class Organisation(RegionRecord):
    class Kind(models.TextChoices):
        ASSOCIATION = "association", "联谊会"
        BRANCH = "branch", "联谊会分会"
        BASE = "base", "实践创新基地"
        SERVICE_TEAM = "service_team", "服务团"
        OTHER = "other", "其他"

    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    name = models.CharField("名称", max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    cluster = models.ForeignKey(
        Cluster,
        verbose_name="所在聚集区域",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    founded_on = models.DateField("成立日期", null=True, blank=True)
    description = models.TextField("简介", blank=True)

    class Meta:
        verbose_name = "组织载体"
        verbose_name_plural = "组织载体"
        ordering = ["region__sort_order", "kind", "name", "id"]

    def __str__(self) -> str:
        return self.name


class OrganisationMember(models.Model):
    class Role(models.TextChoices):
        PRESIDENT = "president", "会长"
        VICE_PRESIDENT = "vice_president", "副会长"
        SECRETARY_GENERAL = "secretary_general", "秘书长"
        DIRECTOR = "director", "理事"
        MEMBER = "member", "会员"

    organisation = models.ForeignKey(
        Organisation, verbose_name="组织", on_delete=models.PROTECT, related_name="members"
    )
    person = models.ForeignKey(
        Person, verbose_name="人员", on_delete=models.PROTECT, related_name="organisation_roles"
    )
    role = models.CharField("职务", max_length=20, choices=Role.choices, default=Role.MEMBER)
    start_date = models.DateField("开始日期", null=True, blank=True)
    end_date = models.DateField("结束日期", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=RecordStatus.choices, default=RecordStatus.ACTIVE
    )
    created_at = models.DateTimeField("加入时间", auto_now_add=True)

    history = HistoricalRecords()

    scope_field = "person__region"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "组织成员"
        verbose_name_plural = "组织成员"
        ordering = ["role", "id"]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()}"


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


# --- positions, nominations, honours ---------------------------------------------


class PositionType(models.TextChoices):
    DEPUTY = "deputy", "人大代表"
    CPPCC = "cppcc", "政协委员"
    COUNSELLOR = "counsellor", "政府参事"
    HISTORIAN = "historian", "文史馆员"
    SPECIAL = "special", "特约人员"
    MASS_ORG = "mass_org", "群团组织兼职"
    UNITED_FRONT = "united_front", "统战社团职务"
    TRADE = "trade", "行业协会职务"


# Types that are held at a level (全国/省/市/县) and for a term (届次).
LEVELLED_TYPES = {PositionType.DEPUTY, PositionType.CPPCC}


class PositionLevel(models.TextChoices):
    NATIONAL = "national", "全国"
    PROVINCE = "province", "省"
    CITY = "city", "市"
    COUNTY = "county", "县"


class Position(PersonRecord):
    type = models.CharField("类型", max_length=20, choices=PositionType.choices)
    level = models.CharField("级别", max_length=10, choices=PositionLevel.choices, blank=True)
    term = models.CharField("届次", max_length=30, blank=True, help_text="例如“第十四届”")
    organisation = models.CharField("单位/组织", max_length=200, blank=True)
    title = models.CharField("职务", max_length=100, blank=True)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期", null=True, blank=True)
    nomination = models.OneToOneField(
        "Nomination",
        verbose_name="来自提名",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="position",
    )

    class Meta:
        verbose_name = "政治安排/社会职务"
        verbose_name_plural = "政治安排/社会职务"
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["type", "person"], name="position_type_person")]

    def __str__(self) -> str:
        parts = [self.get_level_display(), self.term, self.get_type_display(), self.title]
        return " ".join(p for p in parts if p)

    def is_current(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return (
            self.status == RecordStatus.ACTIVE
            and self.start_date <= today
            and (self.end_date is None or self.end_date > today)
        )


def current_positions_q(prefix: str = "", today: datetime.date | None = None) -> models.Q:
    """Positions that count today: not cancelled, begun (a term starting next
    month is not yet held), and no end or an end in the future."""
    today = today or timezone.localdate()
    return models.Q(
        **{f"{prefix}status": RecordStatus.ACTIVE, f"{prefix}start_date__lte": today}
    ) & (
        models.Q(**{f"{prefix}end_date__isnull": True})
        | models.Q(**{f"{prefix}end_date__gt": today})
    )


class Nomination(PersonRecord):
    class Stage(models.TextChoices):
        RECOMMENDED = "recommended", "推荐"
        INSPECTED = "inspected", "考察"
        DECIDED = "decided", "决定"
        APPOINTED = "appointed", "任职"
        REJECTED = "rejected", "未通过"

    position_type = models.CharField("拟任类型", max_length=20, choices=PositionType.choices)
    position_level = models.CharField(
        "拟任级别", max_length=10, choices=PositionLevel.choices, blank=True
    )
    position_term = models.CharField("届次", max_length=30, blank=True)
    organisation = models.CharField("拟任单位/组织", max_length=200, blank=True)
    title = models.CharField("拟任职务", max_length=100, blank=True)
    recommending_unit = models.CharField("推荐单位", max_length=200)
    stage = models.CharField(
        "当前阶段", max_length=20, choices=Stage.choices, default=Stage.RECOMMENDED
    )

    class Meta:
        verbose_name = "提名考察"
        verbose_name_plural = "提名考察"
        ordering = ["-id"]

    def __str__(self) -> str:
        target = " ".join(
            p for p in [self.get_position_level_display(), self.get_position_type_display()] if p
        )
        return f"{self.person.name} → {target}{(' ' + self.title) if self.title else ''}"

    @property
    def is_open(self) -> bool:
        return self.stage not in {self.Stage.APPOINTED, self.Stage.REJECTED}


# The one forward step allowed from each open stage; 未通过 is allowed from any open stage.
NEXT_STAGE = {
    Nomination.Stage.RECOMMENDED: Nomination.Stage.INSPECTED,
    Nomination.Stage.INSPECTED: Nomination.Stage.DECIDED,
    Nomination.Stage.DECIDED: Nomination.Stage.APPOINTED,
}


class NominationStage(models.Model):
    nomination = models.ForeignKey(
        Nomination, verbose_name="提名", on_delete=models.PROTECT, related_name="stages"
    )
    stage = models.CharField("阶段", max_length=20, choices=Nomination.Stage.choices)
    date = models.DateField("日期")
    responsible_unit = models.CharField("责任单位", max_length=200, blank=True)
    notes = models.TextField("情况说明", blank=True)
    outcome = models.CharField("结果", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "提名阶段"
        verbose_name_plural = "提名阶段"
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return self.get_stage_display()


class Honour(PersonRecord):
    class Level(models.TextChoices):
        NATIONAL = "national", "国家级"
        PROVINCE = "province", "省级"
        CITY = "city", "市级"
        COUNTY = "county", "县级"
        OTHER = "other", "其他"

    title = models.CharField("表彰名称", max_length=200)
    level = models.CharField("级别", max_length=10, choices=Level.choices)
    awarding_body = models.CharField("授予单位", max_length=200)
    date = models.DateField("表彰日期")

    class Meta:
        verbose_name = "表彰"
        verbose_name_plural = "表彰"
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return self.title


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


# --- invitations ------------------------------------------------------------------------


class Invitation(models.Model):
    """The office invites one person to an activity or a training; the person
    accepts or declines on their own page (tongxin/portal) until `respond_by`.

    Accepting makes the person a participant (出勤 “报名”) in the same
    transaction (invitations.invitation_answer), so lists, counts, the
    timeline and attendance work on accepted invitations as on any
    participant. Exactly one of `activity` and `training` is set.
    """

    class Answer(models.TextChoices):
        PENDING = "pending", "待答复"
        ACCEPTED = "accepted", "已接受"
        DECLINED = "declined", "已谢绝"
        WITHDRAWN = "withdrawn", "已撤回"

    activity = models.ForeignKey(
        Activity, verbose_name="活动", null=True, blank=True, on_delete=models.PROTECT,
        related_name="invitations",
    )  # fmt: skip
    training = models.ForeignKey(
        Training, verbose_name="培训", null=True, blank=True, on_delete=models.PROTECT,
        related_name="invitations",
    )  # fmt: skip
    person = models.ForeignKey(
        Person, verbose_name="人员", on_delete=models.PROTECT, related_name="invitations"
    )
    respond_by = models.DateField("答复截止日期")
    note = models.CharField("邀请说明", max_length=300, blank=True)
    answer = models.CharField("答复", max_length=10, choices=Answer.choices, default=Answer.PENDING)
    reason = models.CharField("谢绝原因", max_length=200, blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    # Who answered: the person ("本人（个人链接 #n）") or the staff member who withdrew it.
    answered_by = models.CharField("答复人", max_length=100, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="邀请人", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    invited_at = models.DateTimeField("邀请时间", auto_now_add=True)

    history = HistoricalRecords()

    scope_field = "person__region"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "活动邀请"
        verbose_name_plural = "活动邀请"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(activity__isnull=False, training__isnull=True)
                | models.Q(activity__isnull=True, training__isnull=False),
                name="invitation_one_target",
            ),
            # NULLs are distinct: an activity's rows and a training's rows never collide.
            models.UniqueConstraint(fields=["activity", "person"], name="invitation_activity"),
            models.UniqueConstraint(fields=["training", "person"], name="invitation_training"),
        ]
        indexes = [models.Index(fields=["person", "id"], name="invitation_person")]

    def __str__(self) -> str:
        return f"{self.person} → {self.target}"

    @property
    def target(self):
        return self.activity or self.training

    def is_open(self, today: datetime.date | None = None) -> bool:
        """Whether the person may still answer: not answered, not withdrawn,
        the deadline not passed, the activity or training not cancelled."""
        today = today or timezone.localdate()
        return (
            self.answer == self.Answer.PENDING
            and today <= self.respond_by
            and not self.target.is_cancelled
        )

    def state_label(self, today: datetime.date | None = None) -> str:
        """The answer as people read it; a pending one past its deadline is closed."""
        today = today or timezone.localdate()
        if self.answer == self.Answer.PENDING:
            if self.target.is_cancelled:
                return "活动已撤销"
            if today > self.respond_by:
                return "逾期未答复"
        return self.get_answer_display()
