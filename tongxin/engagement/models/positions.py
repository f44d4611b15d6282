"""Positions (政治安排/社会职务), nominations (提名考察) with their stages, honours."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from .base import PersonRecord, RecordStatus

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
