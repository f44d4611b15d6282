"""The engagement app's actions on the person list (people/bulk.py): 加入活动
and 加入培训. The chosen persons are added in one step that the record's page
can undo as one step (services.participant_batch_undo)."""

from django import forms
from django.db.models import QuerySet
from django.urls import reverse

from tongxin.core.forms import BootstrapForm
from tongxin.people.bulk import BulkAction, BulkResult

from . import access, services
from .models import RecordStatus

CHOICES_SHOWN = 200  # the most recent records one may add to; older ones are rarely the target


class _TargetForm(BootstrapForm):
    label = ""
    visible = staticmethod(access.activities_visible_to)

    target = forms.ModelChoiceField(queryset=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["target"]
        field.label = self.label
        field.empty_label = "请选择"
        field.error_messages = {
            "required": f"请选择{self.label}",
            "invalid_choice": f"所选{self.label}无效或已撤销",
        }
        open_records = self.visible(user).writable_by(user).filter(status=RecordStatus.ACTIVE)
        recent = open_records.order_by("-start_date", "-id").values_list("pk", flat=True)
        field.queryset = open_records.filter(pk__in=list(recent[:CHOICES_SHOWN])).order_by(
            "-start_date", "-id"
        )


class ActivityChoiceForm(_TargetForm):
    label = "活动"
    visible = staticmethod(access.activities_visible_to)


class TrainingChoiceForm(_TargetForm):
    label = "培训"
    visible = staticmethod(access.trainings_visible_to)


def _add_to(slug: str, label: str):
    def run(*, request, selection, persons: QuerySet, data: dict) -> BulkResult:
        target = data["target"]
        added = services.persons_bulk_add(
            actor=request.user, target=target, persons=persons, request=request
        )
        return BulkResult(
            f"已将 {added} 人加入{label}“{target}”（已在名单中的人员未重复添加），"
            "如有误可在本页“撤销本次添加”",
            redirect_to=reverse(f"engagement:{slug}_detail", args=[target.pk]),
        )

    return run


ADD_TO_ACTIVITY = BulkAction(
    key="activity",
    label="加入活动",
    run=_add_to("activities", "活动"),
    form_class=ActivityChoiceForm,
    order=30,
    note="所选人员加入同一活动，已在名单中的不重复添加；这次添加可在活动页面一步撤销。",
)
ADD_TO_TRAINING = BulkAction(
    key="training",
    label="加入培训",
    run=_add_to("trainings", "培训"),
    form_class=TrainingChoiceForm,
    order=31,
    note="所选人员加入同一培训，已在名单中的不重复添加；这次添加可在培训页面一步撤销。",
)
