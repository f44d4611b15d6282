"""What every engagement record is: a status, a region, a version and a history."""

from django.db import models
from simple_history.models import HistoricalRecords

from tongxin.people.models import Person
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
