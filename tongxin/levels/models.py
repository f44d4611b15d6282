from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tongxin.people.models import Person
from tongxin.regions.scope import ScopedQuerySet, SharedDownQuerySet


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


class Tier(models.Model):
    """The representatives a node of the region tree keeps (分级管理): 自治区重点联系
    at the province, 市级重点联系 at a city, 县区联系 at a county, with a quota.

    A person holds the tiers of nodes above (or at) their own region
    (TierMembership); a county's representative may also be in the city's
    and the province's tier. Seen by the node's subtree (a county sees the
    city's tier it recommends into), changed only inside the scope.
    """

    region = models.OneToOneField(
        "regions.Region", verbose_name="区域", on_delete=models.PROTECT, related_name="tier"
    )
    name = models.CharField("名称", max_length=30)
    quota = models.PositiveIntegerField("名额", null=True, blank=True)
    created_at = models.DateTimeField("设立时间", default=timezone.now)

    history = HistoricalRecords(verbose_name="分级设置历史")

    objects = SharedDownQuerySet.as_manager()

    class Meta:
        verbose_name = "分级"
        verbose_name_plural = "分级"
        ordering = ["region__depth", "region__sort_order", "region__code"]

    def __str__(self) -> str:
        return f"{self.region.name}·{self.name}"


# The reason of the membership a person of 市级/县区 level gets when registered
# (tiers.persons_created).
AT_REGISTRATION = "登记时分级"


class TierMembership(models.Model):
    """A person holds a node's tier. Removed when they leave it (the history keeps it)."""

    person = models.ForeignKey(
        Person, verbose_name="人员", on_delete=models.PROTECT, related_name="tier_memberships"
    )
    tier = models.ForeignKey(
        Tier, verbose_name="分级", on_delete=models.PROTECT, related_name="memberships"
    )
    since = models.DateTimeField("列入时间", default=timezone.now)
    reason = models.CharField("列入依据", max_length=200, blank=True)

    # The rows made from the person's own level when they were registered: go
    # with them when their import is undone (imports/undo.py); any later
    # membership is a record of its own. (Not `derived_from_person`, which
    # says a whole model is: an erasure still counts these as kept records.)
    made_with_person = models.Q(reason=AT_REGISTRATION)

    history = HistoricalRecords(verbose_name="分级名单历史")

    scope_field = "person__region"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "分级名单"
        verbose_name_plural = "分级名单"
        constraints = [
            models.UniqueConstraint(fields=["person", "tier"], name="tiermembership_unique")
        ]
        indexes = [models.Index(fields=["tier", "person"], name="tiermembership_tier_person")]

    def __str__(self) -> str:
        return f"{self.person} {self.tier}"


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
