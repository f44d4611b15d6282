from django.db import models
from simple_history.models import HistoricalRecords


class Condition(models.Model):
    """One qualification condition, kept as data: "field operator value".

    `field` names an entry of `checks.FIELDS` (what can be checked on a
    record); `value` is JSON: a list of dictionary ids, an integer or a
    boolean, depending on the field's kind. A person qualifies when every
    active condition holds.
    """

    class Operator(models.TextChoices):
        IN = "in", "属于"
        NOT_IN = "not_in", "不属于"
        LTE = "lte", "≤"
        GTE = "gte", "≥"
        EQ = "eq", "="
        NE = "ne", "≠"

    name = models.CharField("名称", max_length=60)
    field = models.CharField("检查项", max_length=30)
    operator = models.CharField("运算", max_length=10, choices=Operator.choices)
    value = models.JSONField("取值")
    failure_message = models.CharField(
        "不符合时的说明", max_length=100, help_text="例如“年龄超过60周岁”。"
    )
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveIntegerField("排序", default=0)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    history = HistoricalRecords(verbose_name="资格条件历史")

    class Meta:
        verbose_name = "资格条件"
        verbose_name_plural = "资格条件"
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name
