"""The registered persons' own pages (个人页面): the personal links staff issue,
what a person submits through them (change requests, field by field) and the
confirmation attempts that lock a link.

Nothing a person enters here reaches their record until staff of the
person's node approve it, field by field (services.change_request_decide).
Every model reaches a region through its person (`scope_field`), so staff
see these rows exactly where they see the person.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from tongxin.core.pii import EncryptedCharField
from tongxin.regions.scope import ScopedQuerySet

# Fields a person may propose changes to from their page. Identity and
# classification (name, sex, birth date, ID, region, group, level) and the
# office's own entries (recommender, department opinion, remarks) are not the
# person's to change here; they ask the office.
EDITABLE_FIELDS = [
    "native_place",
    "political_status",
    "education",
    "degree",
    "school",
    "major",
    "employer",
    "job_title",
    "professional_title",
    "career_start_year",
    "mobile",
    "email",
    "address",
    "resume",
    "achievements",
    "public_welfare",
]
PHOTO_FIELD = "photo"


# The published tokens of the demo links (portal/demo.py); refused outside
# demo and development mode, like the demo password.
DEMO_TOKEN_PREFIX = "demo-"


def token_hash(token: str) -> str:
    """The stored form of a link's token: the token itself is never stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(24)


class PersonalLink(models.Model):
    """A time-limited, revocable link for one person to their own page."""

    person = models.ForeignKey(
        "people.Person", verbose_name="代表人士", on_delete=models.PROTECT, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    valid_until = models.DateTimeField("有效期至")
    purpose = models.CharField(
        "用途", max_length=100, blank=True, help_text="例如“2026年度信息更新”"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发放人",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField("发放时间", auto_now_add=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤销人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    failed_attempts = models.PositiveSmallIntegerField("核验失败次数", default=0)
    locked_at = models.DateTimeField("锁定时间", null=True, blank=True)
    # Rotated at every confirmation: only the latest session of a link is valid.
    session_key = models.CharField(max_length=32, blank=True, editable=False)
    last_confirmed_at = models.DateTimeField("最近核验时间", null=True, blank=True)

    scope_field = "person__region"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "个人链接"
        verbose_name_plural = "个人链接"
        ordering = ["-id"]
        indexes = [models.Index(fields=["person", "id"], name="portal_link_person")]

    def __str__(self) -> str:
        return f"个人链接 #{self.pk}"

    @property
    def state(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.locked_at:
            return "locked"
        if self.valid_until <= timezone.now():
            return "expired"
        return "active"

    @property
    def state_label(self) -> str:
        return {"revoked": "已撤销", "locked": "已锁定", "expired": "已过期", "active": "有效"}[
            self.state
        ]

    @property
    def is_usable(self) -> bool:
        return self.state == "active"


class ConfirmAttempt(models.Model):
    """A failed confirmation or an unknown link, per client address: the
    per-address limit counts these (services.address_is_limited)."""

    ip_address = models.GenericIPAddressField(null=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["ip_address", "at"], name="portal_attempt_ip_at")]

    def __str__(self) -> str:
        return f"{self.ip_address} {self.at:%Y-%m-%d %H:%M}"


class ChangeRequest(models.Model):
    """What a person submitted from their page: changed fields (ChangeItem rows,
    a new photo among them) or the annual "信息无变化" confirmation."""

    class Kind(models.TextChoices):
        UPDATE = "update", "信息更新"
        NO_CHANGE = "no_change", "信息无变化"

    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        DONE = "done", "已处理"

    person = models.ForeignKey(
        "people.Person", verbose_name="代表人士", on_delete=models.PROTECT, related_name="+"
    )
    link = models.ForeignKey(
        PersonalLink, verbose_name="个人链接", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    note = models.TextField("本人说明", blank=True)
    # The person's record version the person saw; staff see when it moved since.
    base_version = models.PositiveIntegerField("提交时信息版本")
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)
    done_at = models.DateTimeField("处理完毕时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    scope_field = "person__region"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "本人信息更新申请"
        verbose_name_plural = "本人信息更新申请"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "id"], name="portal_change_status"),
            models.Index(fields=["person", "id"], name="portal_change_person"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


def _photo_path(instance, filename: str) -> str:
    # Never the uploader's file name: uploads do not choose their own path.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"portal/photos/{timezone.now():%Y}/{secrets.token_hex(12)}.{suffix}"


class ChangeItem(models.Model):
    """One field of a change request: before, after, and the staff decision."""

    class Decision(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "已采纳"
        REJECTED = "rejected", "未采纳"

    change_request = models.ForeignKey(
        ChangeRequest, verbose_name="申请", on_delete=models.CASCADE, related_name="items"
    )
    field = models.CharField("字段", max_length=40)
    # Raw values (JSON: a related row's id, an ISO date, text) to write on
    # approval, encrypted at rest like the person's own identifiers (a mobile
    # is among them); and the text people read, identifiers masked.
    old_value = EncryptedCharField("原值", max_length=20000, blank=True)
    new_value = EncryptedCharField("新值", max_length=20000, blank=True)
    old_display = models.TextField("原值（显示）", blank=True)
    new_display = models.TextField("新值（显示）", blank=True)
    new_photo = models.ImageField("新照片", upload_to=_photo_path, blank=True)
    decision = models.CharField(
        "审核结果", max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    reason = models.CharField("审核意见", max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)

    class Meta:
        verbose_name = "更新字段"
        verbose_name_plural = "更新字段"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.label}：{self.old_display} → {self.new_display}"

    @property
    def label(self) -> str:
        from tongxin.people.models import Person

        return str(Person._meta.get_field(self.field).verbose_name)


def _attachment_path(instance, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"portal/attachments/{timezone.now():%Y}/{secrets.token_hex(12)}.{suffix}"


class SubmissionAttachment(models.Model):
    """A file a person attached to a request (意见诉求) from their page."""

    service_request = models.ForeignKey(
        "service.ServiceRequest",
        verbose_name="意见诉求",
        on_delete=models.PROTECT,
        related_name="portal_attachments",
    )
    file = models.FileField("附件", upload_to=_attachment_path)
    original_name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField("大小（字节）")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    scope_field = "service_request__region"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "诉求附件"
        verbose_name_plural = "诉求附件"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name
