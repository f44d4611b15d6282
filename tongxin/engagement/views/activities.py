"""Activities (活动): their pages (`pages`), the participants' rows and the attachments."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from .. import access, services
from ..forms import (
    AttachmentForm,
    ParticipantForm,
)
from ..models import (
    ActivityAttachment,
    ActivityParticipant,
    RecordStatus,
)
from .common import restrict_persons
from .pages import EventPages
from .participants import participant_page


def _activity_extra(request, activity):
    participants = restrict_persons(
        request.user,
        activity.participants.select_related("person", "person__region").order_by("id"),
    )
    return {
        **participant_page(request, activity, participants),
        "participants": participants,
        "roles": ActivityParticipant.Role.choices,
        "attendances": ActivityParticipant.Attendance.choices,
        "attachments": activity.attachments.filter(status=RecordStatus.ACTIVE),
        "attachment_form": AttachmentForm(),
        "bulk_url": reverse("engagement:activities_add_persons", args=[activity.pk]),
    }


@require_POST
def participant_update(request, pk: int, participant_pk: int):
    activity = access.activity_for_user(request.user, pk, write=True)
    participant = restrict_persons(request.user, activity.participants.select_related("person"))
    try:
        participant = participant.get(pk=participant_pk)
    except ActivityParticipant.DoesNotExist:
        raise Http404 from None
    form = ParticipantForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            participant = services.participant_update(
                actor=request.user, participant=participant, role=form.cleaned_data["role"],
                attendance=form.cleaned_data["attendance"], request=request,
            )  # fmt: skip
        except ValidationError as exc:
            error = "；".join(exc.messages)
    else:
        error = "角色或出勤情况无效"
    context = {
        "p": participant,
        "activity": activity,
        "roles": ActivityParticipant.Role.choices,
        "attendances": ActivityParticipant.Attendance.choices,
        "can_edit": True,
        "error": error,
        "saved": not error,
    }
    return render(
        request, "engagement/_participant_row.html", context, status=400 if error else 200
    )


# --- attachments ---------------------------------------------------------------------------


@require_POST
def attachment_upload(request, pk: int):
    activity = access.activity_for_user(request.user, pk, write=True)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "附件：请选择要上传的文件")
    else:
        try:
            services.attachment_add(actor=request.user, activity=activity,
                                    upload=form.cleaned_data["file"], request=request)  # fmt: skip
        except ValidationError as error:
            messages.error(request, "附件：" + "；".join(error.messages))
        else:
            messages.success(request, "已上传附件")
    return redirect("engagement:activities_detail", pk=pk)


def _attachment(request, pk: int, attachment_pk: int, *, write: bool = False):
    activity = access.activity_for_user(request.user, pk, write=write)
    try:
        return activity.attachments.get(pk=attachment_pk, status=RecordStatus.ACTIVE)
    except ActivityAttachment.DoesNotExist:
        raise Http404 from None


@require_GET
def attachment_download(request, pk: int, attachment_pk: int):
    attachment = _attachment(request, pk, attachment_pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=attachment.name)


@require_POST
def attachment_remove(request, pk: int, attachment_pk: int):
    attachment = _attachment(request, pk, attachment_pk, write=True)
    services.attachment_remove(actor=request.user, attachment=attachment, request=request)
    messages.success(request, f"已移除附件：{attachment.name}")
    return redirect("engagement:activities_detail", pk=pk)


# --- the activities pages ------------------------------------------------------------------

pages = EventPages("activities", extra=_activity_extra)
