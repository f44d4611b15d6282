from django.conf import settings
from django.db import models

from tongxin.regions.scope import ScopedQuerySet


class PrivacyNotice(models.Model):
    """One version of the privacy notice (告知). The newest version is the one
    in force; older versions stay as the record of what was shown when."""

    version = models.PositiveIntegerField("版本", unique=True)
    text = models.TextField("告知内容")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("修改时间", auto_now_add=True)

    class Meta:
        verbose_name = "个人信息处理告知"
        verbose_name_plural = "个人信息处理告知"
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"个人信息处理告知（第{self.version}版）"


class PrivacyRequest(models.Model):
    """A person's request to exercise a right under PIPL, and how it was handled.

    Kept after an erasure, without the person: `person` is cleared and
    `person_ref` keeps the bare record number the erasure audit entry names.
    """

    class Kind(models.TextChoices):
        ACCESS = "access", "查阅复制"
        CORRECT = "correct", "更正"
        ERASE = "erase", "删除"

    person = models.ForeignKey(
        "people.Person",
        verbose_name="人员",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    person_ref = models.BigIntegerField("人员编号")
    kind = models.CharField("申请类型", max_length=10, choices=Kind.choices)
    requester = models.CharField(
        "申请人", max_length=100, help_text="本人或其代理人的姓名；代理人请注明关系。"
    )
    received_on = models.DateField("收到日期")
    reference = models.CharField(
        "申请依据/文号", max_length=200, help_text="书面申请的文号或收件登记号、申请方式等。"
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_at = models.DateTimeField("办理时间", auto_now_add=True)
    outcome = models.CharField("办理结果", max_length=200, blank=True)

    scope_field = "person__region"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "个人信息权利申请"
        verbose_name_plural = "个人信息权利申请"
        ordering = ["-id"]
        indexes = [models.Index(fields=["person_ref", "id"], name="privacyrequest_person")]

    def __str__(self) -> str:
        # No name here: this text goes into audit entries that outlive an erasure.
        return f"{self.get_kind_display()}申请 #{self.pk}（人员编号{self.person_ref}）"
