"""Trainings (培训): the named pages and a participant's attendance and hours."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import access, services
from ..forms import TrainingParticipantForm
from ..models import TrainingParticipant
from . import invitations, participants, records
from .common import restrict_persons
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


# --- the trainings pages: the generic machinery with this type's slug ----------------------------


def training_list(request):
    return records.record_list(request, "trainings")


def training_create(request):
    return records.record_create(request, "trainings")


def training_detail(request, pk: int):
    return records.record_detail(request, "trainings", pk, extra=_training_extra)


def training_edit(request, pk: int):
    return records.record_edit(request, "trainings", pk)


def training_cancel(request, pk: int):
    return records.record_cancel(request, "trainings", pk)


def training_withdraw(request, pk: int, row_pk: int):
    return participants.person_withdraw(request, "trainings", pk, row_pk)


def training_add_persons(request, pk: int):
    return participants.add_persons(request, "trainings", pk)


def training_withdraw_chosen(request, pk: int):
    return participants.withdraw_chosen(request, "trainings", pk)


def training_attended(request, pk: int):
    return participants.mark_attended(request, "trainings", pk)


def training_invite(request, pk: int):
    return invitations.invite(request, "trainings", pk)


def training_invitation_withdraw(request, pk: int, invitation_pk: int):
    return invitations.invitation_withdraw(request, "trainings", pk, invitation_pk)
