from django.db import models


class YearEndSnapshot(models.Model):
    """Counts of active persons at the end of a finished year, read from history.

    A year that is over cannot change any more, so its figures are computed
    once (for the whole city, per region) and read from here afterwards.
    """

    year_end = models.DateField("年末日期", unique=True)
    computed_at = models.DateTimeField("计算时间", auto_now_add=True)

    class Meta:
        verbose_name = "年末人数快照"
        verbose_name_plural = "年末人数快照"
        ordering = ["year_end"]

    def __str__(self) -> str:
        return f"{self.year_end:%Y}年末"


class YearEndCount(models.Model):
    snapshot = models.ForeignKey(
        YearEndSnapshot, verbose_name="快照", on_delete=models.CASCADE, related_name="counts"
    )
    # Plain ids, as recorded in the history rows at the time.
    region_id = models.BigIntegerField("区域")
    level = models.CharField("分级", max_length=10)
    group_id = models.BigIntegerField("人员类别")
    count = models.PositiveIntegerField("人数")

    class Meta:
        verbose_name = "年末人数"
        verbose_name_plural = "年末人数"
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "region_id", "level", "group_id"],
                name="year_end_count_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.snapshot}: {self.count}"
