"""Clusters (聚集区域) and organisations (组织载体), with their persons."""

from django.db import models
from simple_history.models import HistoricalRecords

from tongxin.people.models import Person
from tongxin.regions.scope import ScopedQuerySet

from .base import RecordStatus, RegionRecord

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
