"""Nominations (提名考察): their pages (`pages`), the stages, the board."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from tongxin.regions import scope

from .. import access, services
from ..filters import NominationBoardFilter
from ..forms import StageForm
from ..models import (
    NEXT_STAGE,
    Nomination,
    RecordStatus,
)
from .common import require_reader
from .pages import RecordPages


def _nomination_extra(request, nomination):
    stage_form = StageForm(initial={"stage": _next_stage_value(nomination)})
    return {
        "stages": nomination.stages.select_related("recorded_by").order_by("date", "id"),
        "stage_form": stage_form,
        "position": getattr(nomination, "position", None),
    }


def _next_stage_value(nomination) -> str:
    next_stage = NEXT_STAGE.get(nomination.stage)
    return next_stage.value if next_stage else ""


# --- nominations --------------------------------------------------------------------------


@require_POST
def nomination_stage(request, pk: int):
    nomination = access.nomination_for_user(request.user, pk, write=True)
    form = StageForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.nomination_advance(
                actor=request.user, nomination=nomination, stage=data["stage"],
                on_date=data["on_date"], responsible_unit=data["responsible_unit"],
                notes=data["notes"], outcome=data["outcome"], request=request,
            )  # fmt: skip
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        else:
            label = Nomination.Stage(data["stage"]).label
            text = f"已进入“{label}”阶段"
            if data["stage"] == Nomination.Stage.APPOINTED:
                text += "，已生成政治安排/社会职务记录"
            messages.success(request, text)
    else:
        messages.error(request, "；".join(f"{form.fields[f].label}：{e[0]}"
                                         for f, e in form.errors.items()))  # fmt: skip
    return redirect("engagement:nominations_detail", pk=pk)


@require_GET
def nomination_board(request):
    require_reader(request.user)
    active = access.nominations_visible_to(request.user).filter(status=RecordStatus.ACTIVE)
    qs = NominationBoardFilter(request.GET, queryset=active).qs
    columns = {stage: [] for stage in Nomination.Stage}
    for nomination in qs.order_by("-updated_at")[:1000]:
        columns[Nomination.Stage(nomination.stage)].append(nomination)
    context = {
        "columns": [(stage.label, stage.value, rows) for stage, rows in columns.items()],
        "regions": scope.readable_regions(request.user),
        "params": request.GET,
        "can_edit": access.can_write(request.user),
    }
    return render(request, "engagement/nomination_board.html", context)


# --- the nominations pages -----------------------------------------------------------------

pages = RecordPages("nominations", extra=_nomination_extra)
