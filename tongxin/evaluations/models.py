"""Comprehensive evaluation (综合评价): indicator systems, rounds, sheets, frozen results.

An indicator system is a tree (system → dimensions with weights → indicators
with maximum points). A round uses one *version* of a system; a system that a
round has used is never edited in place (services.indicator_system_save makes a
new version), so a closed round's results keep the meaning they had.
"""

import datetime
import re

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from tongxin.regions.scope import ScopedQuerySet, SharedDownQuerySet


class IndicatorSystem(models.Model):
    name = models.CharField("名称", max_length=100)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所属区域",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="留空为全市通用；县区可定义本区域的指标体系。",
    )
    groups = models.ManyToManyField(
        "people.PersonGroup",
        verbose_name="适用类别",
        blank=True,
        related_name="+",
        help_text="留空则适用于全部类别。",
    )
    version = models.PositiveIntegerField("版本号", default=1)
    copied_from = models.ForeignKey(
        "self",
        verbose_name="上一版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="later_versions",
    )
    is_active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords(verbose_name="评价指标体系历史", cascade_delete_history=False)

    objects = SharedDownQuerySet.as_manager()

    class Meta:
        verbose_name = "评价指标体系"
        verbose_name_plural = "评价指标体系"
        ordering = ["-is_active", "name", "-version"]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"

    @property
    def region_label(self) -> str:
        return self.region.name if self.region_id else "全市通用"


class Dimension(models.Model):
    """A first-level dimension (一级指标) with its weight in percent."""

    system = models.ForeignKey(
        IndicatorSystem,
        verbose_name="指标体系",
        on_delete=models.CASCADE,
        related_name="dimensions",
    )
    name = models.CharField("名称", max_length=60)
    weight = models.PositiveSmallIntegerField("权重（%）")
    sort_order = models.PositiveIntegerField("排序", default=0)

    history = HistoricalRecords(verbose_name="评价维度历史", cascade_delete_history=False)

    class Meta:
        verbose_name = "评价维度"
        verbose_name_plural = "评价维度"
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class Indicator(models.Model):
    """A second-level indicator (二级指标) scored from 0 to `max_points`."""

    dimension = models.ForeignKey(
        Dimension, verbose_name="评价维度", on_delete=models.CASCADE, related_name="indicators"
    )
    name = models.CharField("名称", max_length=100)
    max_points = models.DecimalField("满分", max_digits=5, decimal_places=1)
    rubric = models.TextField("评分标准", blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    history = HistoricalRecords(verbose_name="评价指标历史", cascade_delete_history=False)

    class Meta:
        verbose_name = "评价指标"
        verbose_name_plural = "评价指标"
        ordering = ["dimension__sort_order", "dimension_id", "sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class EvaluationRound(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        OPEN = "open", "评审中"
        CLOSED = "closed", "已结束"

    name = models.CharField("批次名称", max_length=100, help_text="例如：2026年度")
    region = models.ForeignKey(
        "regions.Region",
        verbose_name="所属区域",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="选市级区域为全市批次；选县区则只能选入本县区人员。",
    )
    system = models.ForeignKey(
        IndicatorSystem, verbose_name="指标体系", on_delete=models.PROTECT, related_name="rounds"
    )
    persons = models.ManyToManyField(
        "people.Person",
        verbose_name="参评人员",
        through="RoundPerson",
        related_name="evaluation_rounds",
    )
    evaluators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="评审人", related_name="evaluation_rounds"
    )
    person_filter = models.JSONField("选人条件", default=dict, blank=True)
    deadline = models.DateField("截止日期")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    grade_bands = models.JSONField("结束时采用的等次划分", default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    opened_at = models.DateTimeField("开始评审时间", null=True, blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="结束人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    history = HistoricalRecords(
        verbose_name="评价批次历史", excluded_fields=["grade_bands"], cascade_delete_history=False
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "评价批次"
        verbose_name_plural = "评价批次"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    @property
    def period(self) -> tuple[datetime.date, datetime.date]:
        """The period whose records an evaluator reads beside a sheet: the year
        the round is named after ("2026年度" → that calendar year), else the
        year up to its deadline."""
        match = re.search(r"(?<!\d)(19|20)\d{2}(?!\d)", self.name)
        if match:
            year = int(match.group())
            return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        return self.deadline - datetime.timedelta(days=365), self.deadline


class RoundPerson(models.Model):
    round = models.ForeignKey(EvaluationRound, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "参评人员"
        verbose_name_plural = "参评人员"
        constraints = [
            models.UniqueConstraint(fields=["round", "person"], name="roundperson_unique")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.person_id}"


class EvaluationSheet(models.Model):
    """One evaluator's scores for one person in one round (评分表)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交"

    round = models.ForeignKey(
        EvaluationRound, verbose_name="评价批次", on_delete=models.PROTECT, related_name="sheets"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name="参评人员", on_delete=models.PROTECT, related_name="+"
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="评审人",
        on_delete=models.PROTECT,
        related_name="evaluation_sheets",
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    total = models.DecimalField("折合得分", max_digits=6, decimal_places=2, null=True, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords(verbose_name="评分表历史", cascade_delete_history=False)

    class Meta:
        verbose_name = "评分表"
        verbose_name_plural = "评分表"
        constraints = [
            models.UniqueConstraint(
                fields=["round", "person", "evaluator"], name="sheet_unique_per_evaluator"
            )
        ]
        indexes = [
            models.Index(fields=["evaluator", "round"], name="sheet_evaluator_round"),
            models.Index(fields=["round", "status"], name="sheet_round_status"),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.person_id} · {self.evaluator_id}"

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


class Score(models.Model):
    # No index of its own: the unique (sheet, indicator) and the covering index below
    # both start with sheet.
    sheet = models.ForeignKey(
        EvaluationSheet,
        verbose_name="评分表",
        on_delete=models.CASCADE,
        related_name="scores",
        db_index=False,
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name="评价指标", on_delete=models.PROTECT, related_name="+"
    )
    points = models.DecimalField("得分", max_digits=5, decimal_places=1)
    note = models.CharField("评分说明", max_length=500, blank=True)

    class Meta:
        verbose_name = "指标得分"
        verbose_name_plural = "指标得分"
        constraints = [
            models.UniqueConstraint(fields=["sheet", "indicator"], name="score_unique_per_sheet")
        ]
        # Closing a round sums points per sheet from this index alone (bench_evaluation.py).
        indexes = [
            models.Index(fields=["sheet", "indicator", "points"], name="score_sheet_covering")
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.points}"


class RoundResult(models.Model):
    """A person's result, frozen when the round closes."""

    round = models.ForeignKey(
        EvaluationRound, verbose_name="评价批次", on_delete=models.PROTECT, related_name="results"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name="参评人员", on_delete=models.PROTECT, related_name="+"
    )
    score = models.DecimalField("综合得分", max_digits=6, decimal_places=2, null=True)
    min_score = models.DecimalField("最低分", max_digits=6, decimal_places=2, null=True)
    max_score = models.DecimalField("最高分", max_digits=6, decimal_places=2, null=True)
    n_evaluators = models.PositiveIntegerField("有效评审人数")
    n_missing = models.PositiveIntegerField("未提交人数", default=0)
    grade = models.CharField("等次", max_length=2, blank=True)
    rank = models.PositiveIntegerField("名次", null=True)

    scope_field = "person__region"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "评价结果"
        verbose_name_plural = "评价结果"
        constraints = [
            models.UniqueConstraint(fields=["round", "person"], name="result_unique_per_round")
        ]
        indexes = [
            models.Index(fields=["round", "rank"], name="result_round_rank"),
            models.Index(fields=["person", "round"], name="result_person_round"),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.person_id} {self.grade}"

    @property
    def spread(self):
        if self.min_score is None or self.max_score is None:
            return None
        return self.max_score - self.min_score


class RemovalProposal(models.Model):
    """A D grade proposes removal; a staff member decides, with a reason."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "待决定"
        CONFIRMED = "confirmed", "已确认出库"
        REJECTED = "rejected", "不予出库"

    round = models.ForeignKey(
        EvaluationRound, verbose_name="评价批次", on_delete=models.PROTECT, related_name="proposals"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name="人员", on_delete=models.PROTECT, related_name="+"
    )
    result = models.OneToOneField(
        RoundResult, verbose_name="评价结果", on_delete=models.PROTECT, related_name="proposal"
    )
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    reason = models.CharField("决定理由", max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="决定人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    created_at = models.DateTimeField("提出时间", auto_now_add=True)

    history = HistoricalRecords(verbose_name="出库建议历史", cascade_delete_history=False)

    class Meta:
        verbose_name = "出库建议"
        verbose_name_plural = "出库建议"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.round}：{self.person}"
