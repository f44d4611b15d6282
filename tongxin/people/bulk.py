"""Actions on many persons at once, chosen on the person list.

The list sends a selection (rows ticked one by one, or "all N matching this
filter") and an action; people/views.person_bulk shows how many persons the
action will touch, asks for the action's inputs, asks again when more than
CONFIRM_ABOVE persons are touched, and runs it.

people imports none of its satellites (pyproject.toml), so the apps that own
an action register it here in their AppConfig.ready(): levels 调整分级 and
标记已复核, engagement 加入活动/培训, reports 生成登记表 and 导出所选; people
itself 出库. Each action's `run` is a thin call into that app's services, which
check the region rule again and write the audit entries.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from tongxin.regions import scope

from . import services
from .listing import PersonFilter, filtered_persons
from .models import Person

# An action touching more persons than this shows the number and asks first
# (issue 18: one click added 1,945 persons to a training).
CONFIRM_ABOVE = 50


@dataclass(frozen=True)
class BulkResult:
    message: str  # shown after the action, e.g. "已将 12 人调整为县区联系"
    redirect_to: str = ""  # where to go next; the list with the same filter when empty


@dataclass(frozen=True)
class BulkAction:
    key: str  # in the URL: ?action=level
    label: str  # the list's button and the page's title: 调整分级
    run: Callable[..., BulkResult]  # run(request=, selection=, persons=, data=) → BulkResult
    form_class: Callable[..., forms.Form] | None = None  # form_class(data, user=) for inputs
    writes: bool = True  # False: reads only (exports), over what the user may see
    allowed: Callable[[object], bool] = scope.writes_records
    order: int = 100  # place among the list's buttons
    note: str = ""  # one line under the title explaining what happens


BULK_ACTIONS: dict[str, BulkAction] = {}


def register_bulk_action(action: BulkAction) -> None:
    BULK_ACTIONS[action.key] = action


def actions_for(user) -> list[BulkAction]:
    """The actions `user` may start from the person list, in button order."""
    return sorted(
        (a for a in BULK_ACTIONS.values() if a.allowed(user)), key=lambda a: (a.order, a.key)
    )


@dataclass
class Selection:
    """The persons chosen on the list: `person_filter` with its `ids` when rows
    were ticked one by one, the filter alone when `everything` was chosen."""

    person_filter: PersonFilter
    everything: bool
    errors: list[str]

    @classmethod
    def from_params(cls, params) -> "Selection":
        person_filter = PersonFilter.from_query(params)
        everything = params.get("all") == "1"
        errors = list(person_filter.errors)
        if everything:
            person_filter.ids = []  # "all matching" wins over the ticks of one page
        elif not person_filter.ids and not errors:
            errors.append("请先勾选人员，或选择“全部符合条件的人员”")
        return cls(person_filter=person_filter, everything=everything, errors=errors)

    def persons(self, user, *, write: bool) -> QuerySet:
        """The chosen persons `user` may see, or change with write=True; a
        ticked id outside the scope simply is not there."""
        if self.errors:
            return filtered_persons(user, self.person_filter)[0].none()
        qs, _ = filtered_persons(user, self.person_filter)
        return scope.write_scope(user).filter(qs) if write else qs

    def as_hidden(self) -> dict[str, str]:
        """The selection as the confirmation form carries it."""
        query = self.person_filter.as_query()
        if self.everything:
            query["all"] = "1"
        return query


# --- 出库, people's own action -------------------------------------------------------------


class BulkArchiveForm(forms.Form):
    reason = forms.ChoiceField(
        label="出库原因",
        error_messages={"required": "请选择出库原因", "invalid_choice": "出库原因无效"},
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    on_date = forms.DateField(
        label="出库日期",
        error_messages={"required": "请填写出库日期", "invalid": "出库日期格式不正确"},
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(
        label="说明",
        max_length=200,
        required=False,
        error_messages={"max_length": "说明不能超过200字"},
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        kwargs.setdefault("initial", {"on_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", "请选择")] + list(Person.ArchiveReason.choices)

    def clean_on_date(self):
        on_date = self.cleaned_data["on_date"]
        if on_date > timezone.localdate():
            raise forms.ValidationError("出库日期不能晚于今天")
        return on_date

    def clean(self):
        data = super().clean()
        if data.get("reason") == Person.ArchiveReason.OTHER and not data.get("note"):
            self.add_error("note", "出库原因为“其他”时请填写说明")
        return data


def _archive(*, request, selection, persons: QuerySet, data: dict) -> BulkResult:
    count = services.persons_archive(
        actor=request.user,
        persons=persons.filter(status=Person.Status.ACTIVE).order_by("id").iterator(),
        reason=data["reason"],
        on_date=data["on_date"],
        note=data["note"],
        request=request,
    )
    label = Person.ArchiveReason(data["reason"]).label
    return BulkResult(f"已将 {count} 人出库（{label}）")


ARCHIVE = BulkAction(
    key="archive",
    label="出库",
    run=_archive,
    form_class=BulkArchiveForm,
    order=40,
    note="所选人员中在库的人员以同一原因和日期出库；出库可在人员页面恢复，历史保留。",
)
