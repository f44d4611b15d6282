from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from .versions import placements_changed


class Region(models.Model):
    """A node of the deployment's region tree: 省/自治区 → 市 → 县级单位 →
    街道/乡镇 → 社区/村, as deep as the deployment needs.

    `path` is the materialised path of ids from the root ("/1/4/17/"): a
    subtree is one indexed range condition on it (tongxin.regions.scope).
    """

    class Kind(models.TextChoices):
        PROVINCE = "province", "省/自治区"
        CITY = "city", "市"
        DISTRICT = "district", "区"
        COUNTY = "county", "县"
        COUNTY_CITY = "county_city", "县级市"
        ZONE = "zone", "开发区"
        STREET = "street", "街道"
        TOWN = "town", "乡镇"
        COMMUNITY = "community", "社区"
        VILLAGE = "village", "村"

    code = models.CharField(
        "区域代码",
        max_length=12,
        unique=True,
        validators=[RegexValidator(r"^\d{6}(\d{3}(\d{3})?)?$", "区域代码应为6位、9位或12位数字")],
        help_text="6位行政区划代码（省、市、县区）；街道/乡镇9位、社区/村12位统计用区划代码。"
        "开发区等功能区可使用自定的代码。",
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
    path = models.CharField("路径", max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField("层级", default=0, editable=False)
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "区域"
        verbose_name_plural = "区域"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # The path is an index derived from `parent`, not data anyone enters:
        # keeping it here (rather than in a service) means no write path —
        # services, fixtures, the admin, migrations of old data — can leave a
        # node whose subtree condition is wrong, which would be a leak.
        super().save(*args, **kwargs)
        self._rebuild_path()
        placements_changed()

    def _rebuild_path(self) -> None:
        parent_path = ""
        if self.parent_id:
            parent_path = Region.objects.filter(pk=self.parent_id).values_list("path", flat=True)[0]
        path = f"{parent_path or '/'}{self.pk}/"
        if path == self.path:
            return
        old, depth = self.path, path.count("/") - 2
        Region.objects.filter(pk=self.pk).update(path=path, depth=depth)
        if old:
            # The subtree moves with its root: rewrite every descendant's prefix.
            Region.objects.filter(path__startswith=old).exclude(pk=self.pk).update(
                path=Concat(Value(path), Substr(F("path"), len(old) + 1)),
                depth=F("depth") + (depth - self.depth),
            )
        self.path, self.depth = path, depth

    # Where each kind sits in the tree; a parent always ranks above its children.
    RANK = {
        Kind.PROVINCE: 0,
        Kind.CITY: 1,
        Kind.DISTRICT: 2,
        Kind.COUNTY: 2,
        Kind.COUNTY_CITY: 2,
        Kind.ZONE: 2,
        Kind.STREET: 3,
        Kind.TOWN: 3,
        Kind.COMMUNITY: 4,
        Kind.VILLAGE: 4,
    }

    @property
    def rank(self) -> int:
        return self.RANK.get(self.kind, 2)

    @property
    def is_city(self) -> bool:
        return self.kind == self.Kind.CITY

    @property
    def is_county_level(self) -> bool:
        return self.rank == 2

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this node's parent."""
        return [int(part) for part in self.path.strip("/").split("/")[:-1] if part]
