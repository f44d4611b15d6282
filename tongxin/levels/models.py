from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tongxin.people.models import Person
from tongxin.regions.scope import ScopedQuerySet


class LevelChange(models.Model):
    """One move of a person between levels (储备 ↔ 县区联系 ↔ 市级重点联系), with its reason.

    Append-only: a move is undone by another move, so the record of both stays.
    """

    person = models.ForeignKey(
        Person, verbose_name="人员", on_delete=models.PROTECT, related_name="level_changes"
    )
    from_level = models.CharField("调整前", max_length=10, choices=Person.Level.choices)
    to_level = models.CharField("调整后", max_length=10, choices=Person.Level.choices)
    reason = models.CharField("调整原因", max_length=200)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField("调整时间", default=timezone.now)

    scope_field = "person__region"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "分级调整"
        verbose_name_plural = "分级调整"
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["person", "changed_at"], name="levelchange_person_at")]

    def __str__(self) -> str:
        return f"{self.person}：{self.get_from_level_display()} → {self.get_to_level_display()}"


class Quota(models.Model):
    """How many persons a region should keep at a level (名额).

    A region without a row uses the default of `quotas.default_quota`: the
    city 200 at city level, each county-level unit 50 at county level.
    """

    class QuotaLevel(models.TextChoices):
        CITY = Person.Level.CITY.value, Person.Level.CITY.label
        COUNTY = Person.Level.COUNTY.value, Person.Level.COUNTY.label

    region = models.ForeignKey(
        "regions.Region", verbose_name="区域", on_delete=models.PROTECT, related_name="quotas"
    )
    level = models.CharField("分级", max_length=10, choices=QuotaLevel.choices)
    quota = models.PositiveIntegerField("名额")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords(verbose_name="名额历史")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "名额"
        verbose_name_plural = "名额"
        constraints = [
            models.UniqueConstraint(fields=["region", "level"], name="quota_unique_region_level")
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.get_level_display()} {self.quota}"


class ReviewCycle(models.Model):
    """A year's review (每年定期更新): every active person is due once in it."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField("发起时间", default=timezone.now)

    history = HistoricalRecords(verbose_name="年度更新历史")

    class Meta:
        verbose_name = "年度更新"
        verbose_name_plural = "年度更新"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年度更新"


class PersonReview(models.Model):
    """A staff member confirmed a person's record for the year's review."""

    cycle = models.ForeignKey(
        ReviewCycle, verbose_name="年度", on_delete=models.PROTECT, related_name="reviews"
    )
    person = models.ForeignKey(
        Person, verbose_name="人员", on_delete=models.PROTECT, related_name="reviews"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="复核人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("复核时间", default=timezone.now)
    note = models.CharField("说明", max_length=200, blank=True)

    history = HistoricalRecords(verbose_name="复核记录历史")

    scope_field = "person__region"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "年度复核记录"
        verbose_name_plural = "年度复核记录"
        constraints = [
            models.UniqueConstraint(fields=["cycle", "person"], name="review_unique_cycle_person")
        ]

    def __str__(self) -> str:
        return f"{self.cycle.year}年 {self.person}"
