"""The levels app's actions on the person list (people/bulk.py): 调整分级 and
标记已复核. Each runs one levels service per person inside one transaction,
so a refusal for any person (a city-tier move by a county user, a stale
record) changes nobody and names that person."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from tongxin.core.forms import BootstrapForm
from tongxin.people.bulk import BulkAction, BulkResult
from tongxin.people.models import Person

from . import services
from .models import PersonReview, ReviewCycle


class BulkLevelForm(BootstrapForm):
    level = forms.ChoiceField(
        label="调整为",
        error_messages={"required": "请选择调整后的分级", "invalid_choice": "调整后的分级无效"},
    )
    reason = forms.CharField(
        label="调整原因",
        max_length=200,
        error_messages={"required": "请填写调整原因", "max_length": "调整原因不能超过200字"},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        choices = list(Person.Level.choices)
        if not user.can_place_at_city_level:
            choices = [c for c in choices if c[0] != Person.Level.CITY]
        self.fields["level"].choices = [("", "请选择")] + choices


@transaction.atomic
def _change_level(*, request, selection, persons: QuerySet, data: dict) -> BulkResult:
    level, changed, unchanged = data["level"], 0, 0
    for person in persons.filter(status=Person.Status.ACTIVE).order_by("id").iterator():
        if person.level == level:
            unchanged += 1
            continue
        try:
            services.person_change_level(
                actor=request.user, person=person, level=level, reason=data["reason"],
                request=request,
            )  # fmt: skip
        except services.LevelError as error:
            raise ValidationError(f"{person.name}：{error}（全部未调整）") from None
        changed += 1
    label = Person.Level(level).label
    kept = f"，{unchanged} 人原已是该分级" if unchanged else ""
    return BulkResult(f"已将 {changed} 人调整为“{label}”{kept}")


class BulkReviewForm(BootstrapForm):
    note = forms.CharField(
        label="复核说明",
        max_length=200,
        required=False,
        error_messages={"max_length": "复核说明不能超过200字"},
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


@transaction.atomic
def _mark_reviewed(*, request, selection, persons: QuerySet, data: dict) -> BulkResult:
    year = timezone.localdate().year
    cycle = ReviewCycle.objects.filter(year=year).first()
    if cycle is None:
        raise ValidationError(f"{year}年度更新尚未发起，暂不能标记复核")
    active = persons.filter(status=Person.Status.ACTIVE)
    done = set(
        PersonReview.objects.filter(cycle=cycle, person__in=active).values_list(
            "person_id", flat=True
        )
    )
    marked = 0
    for person in active.order_by("id").iterator():
        if person.pk in done:
            continue
        services.person_review_mark(
            actor=request.user, cycle=cycle, person=person, note=data["note"], request=request
        )
        marked += 1
    already = f"，{len(done)} 人此前已复核" if done else ""
    return BulkResult(f"已标记 {marked} 人为{year}年度已复核{already}")


CHANGE_LEVEL = BulkAction(
    key="level",
    label="调整分级",
    run=_change_level,
    form_class=BulkLevelForm,
    order=10,
    note="所选在库人员调整为同一分级，并记录同一调整原因；原已是该分级的人员不变。",
)
MARK_REVIEWED = BulkAction(
    key="review",
    label="标记已复核",
    run=_mark_reviewed,
    form_class=BulkReviewForm,
    order=20,
    note="所选在库人员标记为本年度已复核；此前已复核的人员不重复标记。",
)
