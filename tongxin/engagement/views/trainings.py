"""Trainings (培训): their pages (`pages`) and a participant's attendance and hours."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import access, services
from ..forms import TrainingParticipantForm
from ..models import TrainingParticipant
from .common import restrict_persons
from .pages import EventPages
from .participants import participant_page


def _training_extra(request, training):
    rows = restrict_persons(
        request.user, training.enrolments.select_related("person", "person__region")
    )
    return {
        **participant_page(request, training, rows.order_by("id")),
        "attendances": TrainingParticipant.Attendance.choices,
        "bulk_url": reverse("engagement:trainings_add_persons", args=[training.pk]),
    }


@require_POST
def training_participant_update(request, pk: int, participant_pk: int):
    """A training participant's attendance and hours, saved from the row (htmx)."""
    training = access.training_for_user(request.user, pk, write=True)
    if training.is_cancelled:
        raise Http404
    rows = restrict_persons(request.user, training.enrolments.select_related("person"))
    try:
        participant = rows.get(pk=participant_pk)
    except TrainingParticipant.DoesNotExist:
        raise Http404 from None
    form = TrainingParticipantForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            participant = services.training_participant_update(
                actor=request.user, participant=participant,
                attendance=form.cleaned_data["attendance"], hours=form.cleaned_data["hours"],
                request=request,
            )  # fmt: skip
        except ValidationError as exc:
            error = "；".join(exc.messages)
    else:
        error = "；".join(e for errors in form.errors.values() for e in errors)
    context = {
        "e": participant,
        "record": training,
        "attendances": TrainingParticipant.Attendance.choices,
        "can_edit": True,
        "error": error,
        "saved": not error,
    }
    return render(request, "engagement/_training_row.html", context, status=400 if error else 200)


# --- the trainings pages -------------------------------------------------------------------

pages = EventPages("trainings", extra=_training_extra)
