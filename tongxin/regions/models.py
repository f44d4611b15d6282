from django.core.validators import RegexValidator
from django.db import models


class Region(models.Model):
    """An administrative unit of the deployment: the city and its county-level units."""

    class Kind(models.TextChoices):
        CITY = "city", "市"
        DISTRICT = "district", "区"
        COUNTY = "county", "县"
        COUNTY_CITY = "county_city", "县级市"
        ZONE = "zone", "开发区"

    code = models.CharField(
        "区域代码",
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^\d{6}$", "区域代码应为6位数字")],
        help_text="6位行政区划代码；开发区等功能区可使用本市自定的6位代码。",
    )
    name = models.CharField("名称", max_length=50)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级区域",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "区域"
        verbose_name_plural = "区域"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_city(self) -> bool:
        return self.kind == self.Kind.CITY
