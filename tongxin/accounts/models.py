from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A staff member. What they may see and do follows from `role` and `regions`."""

    class Role(models.TextChoices):
        ADMIN = "admin", "系统管理员"
        CITY = "city", "市级工作人员"
        COUNTY = "county", "县区工作人员"
        LEADER = "leader", "领导"
        EVALUATOR = "evaluator", "评审人"

    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.COUNTY)
    regions = models.ManyToManyField(
        "regions.Region",
        verbose_name="负责区域",
        blank=True,
        related_name="staff",
        help_text="县区工作人员只能看到和修改这些区域的人员。",
    )
    display_name = models.CharField("姓名", max_length=50, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def sees_all_regions(self) -> bool:
        return self.role in {self.Role.ADMIN, self.Role.CITY, self.Role.LEADER}

    @property
    def can_edit_persons(self) -> bool:
        return self.role in {self.Role.ADMIN, self.Role.CITY, self.Role.COUNTY}

    @property
    def can_reveal_identifiers(self) -> bool:
        # Leaders read dashboards and reports only; identifiers stay masked for them.
        return self.role in {self.Role.ADMIN, self.Role.CITY, self.Role.COUNTY}

    @property
    def is_system_admin(self) -> bool:
        return self.role == self.Role.ADMIN or self.is_superuser

    @property
    def can_place_at_city_level(self) -> bool:
        return self.role in {self.Role.ADMIN, self.Role.CITY}

    def region_ids(self) -> set[int]:
        """Regions whose records this user may see (cached per request object)."""
        if not hasattr(self, "_region_ids"):
            self._region_ids = set(self.regions.values_list("id", flat=True))
        return self._region_ids
