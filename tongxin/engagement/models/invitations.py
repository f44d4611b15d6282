"""Invitations to an activity or a training, answered by the person."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tongxin.people.models import Person
from tongxin.regions.scope import ScopedQuerySet

from .activities import Activity, Training

# --- invitations ------------------------------------------------------------------------


class Invitation(models.Model):
    """The office invites one person to an activity or a training; the person
    accepts or declines on their own page (tongxin/portal) until `respond_by`.

    Accepting makes the person a participant (出勤 “报名”) in the same
    transaction (invitations.invitation_answer), so lists, counts, the
    timeline and attendance work on accepted invitations as on any
    participant. Exactly one of `activity` and `training` is set.
    """

    class Answer(models.TextChoices):
        PENDING = "pending", "待答复"
        ACCEPTED = "accepted", "已接受"
        DECLINED = "declined", "已谢绝"
        WITHDRAWN = "withdrawn", "已撤回"

    activity = models.ForeignKey(
        Activity, verbose_name="活动", null=True, blank=True, on_delete=models.PROTECT,
        related_name="invitations",
    )  # fmt: skip
    training = models.ForeignKey(
        Training, verbose_name="培训", null=True, blank=True, on_delete=models.PROTECT,
        related_name="invitations",
    )  # fmt: skip
    person = models.ForeignKey(
        Person, verbose_name="人员", on_delete=models.PROTECT, related_name="invitations"
    )
    respond_by = models.DateField("答复截止日期")
    note = models.CharField("邀请说明", max_length=300, blank=True)
    answer = models.CharField("答复", max_length=10, choices=Answer.choices, default=Answer.PENDING)
    reason = models.CharField("谢绝原因", max_length=200, blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    # Who answered: the person ("本人（个人链接 #n）") or the staff member who withdrew it.
    answered_by = models.CharField("答复人", max_length=100, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="邀请人", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    invited_at = models.DateTimeField("邀请时间", auto_now_add=True)

    history = HistoricalRecords()

    scope_field = "person__region"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "活动邀请"
        verbose_name_plural = "活动邀请"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(activity__isnull=False, training__isnull=True)
                | models.Q(activity__isnull=True, training__isnull=False),
                name="invitation_one_target",
            ),
            # NULLs are distinct: an activity's rows and a training's rows never collide.
            models.UniqueConstraint(fields=["activity", "person"], name="invitation_activity"),
            models.UniqueConstraint(fields=["training", "person"], name="invitation_training"),
        ]
        indexes = [models.Index(fields=["person", "id"], name="invitation_person")]

    def __str__(self) -> str:
        return f"{self.person} → {self.target}"

    @property
    def target(self):
        return self.activity or self.training

    def is_open(self, today: datetime.date | None = None) -> bool:
        """Whether the person may still answer: not answered, not withdrawn,
        the deadline not passed, the activity or training not cancelled."""
        today = today or timezone.localdate()
        return (
            self.answer == self.Answer.PENDING
            and today <= self.respond_by
            and not self.target.is_cancelled
        )

    def state_label(self, today: datetime.date | None = None) -> str:
        """The answer as people read it; a pending one past its deadline is closed."""
        today = today or timezone.localdate()
        if self.answer == self.Answer.PENDING:
            if self.target.is_cancelled:
                return "活动已撤销"
            if today > self.respond_by:
                return "逾期未答复"
        return self.get_answer_display()
