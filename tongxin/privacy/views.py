"""The privacy notice and the rights page of one person.

Access: the notice is public (see notice()); its edit page is for system
admins; a person's rights page follows people.access.person_for_user, so
another region's person answers 404 and a leader only reads.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from tongxin.accounts.access import require_deployment_admin
from tongxin.core.access import require_system_admin
from tongxin.people.access import person_for_user

from . import services
from .forms import EraseForm, NoticeForm, RequestForm
from .models import PrivacyNotice, PrivacyRequest


@require_safe
@login_not_required
def notice(request):
    """Readable without logging in: the notice is addressed to the registered
    persons, who have no account; staff show or print it at registration, and
    it holds no personal data."""
    return render(request, "privacy/notice.html", {"notice": services.notice_current()})


def notice_edit(request):
    require_deployment_admin(request.user)
    current = services.notice_current()
    form = NoticeForm(request.POST or None, initial={"text": current.text})
    if request.method == "POST" and form.is_valid():
        try:
            new = services.notice_update(
                actor=request.user, text=form.cleaned_data["text"], request=request
            )
        except ValidationError as error:
            form.add_error("text", error.message_dict["text"])
        else:
            messages.success(request, f"已发布个人信息处理告知第{new.version}版")
            return redirect("privacy:notice")
    versions = PrivacyNotice.objects.select_related("updated_by")[:50]
    return render(
        request,
        "privacy/notice_edit.html",
        {"form": form, "current": current, "versions": versions},
    )


def _can_act(user) -> bool:
    # Acting on a request shows full identifiers or changes the record.
    return user.can_edit_persons and user.can_reveal_identifiers


def _rights_page(request, person, *, form=None, erase_form=None, status=200):
    user = request.user
    context = {
        "person": person,
        "requests": PrivacyRequest.objects.filter(person_ref=person.pk).select_related(
            "handled_by"
        ),
        "can_act": _can_act(user),
        "can_erase": user.is_system_admin,
        "form": form or RequestForm(),
        "erase_form": erase_form or (EraseForm(person=person) if user.is_system_admin else None),
        "blockers": services.erasure_blockers(person) if user.is_system_admin else [],
    }
    return render(request, "privacy/person_rights.html", context, status=status)


@require_safe
def person_rights(request, pk: int):
    person = person_for_user(request.user, pk)
    return _rights_page(request, person)


def _actor_person(request, pk: int):
    person = person_for_user(request.user, pk, write=True)
    if not _can_act(request.user):
        raise Http404
    return person


@require_POST
def person_export(request, pk: int):
    person = _actor_person(request, pk)
    form = RequestForm(request.POST)
    if not form.is_valid():
        return _rights_page(request, person, form=form, status=400)
    content = services.person_data_export(
        actor=request.user, person=person, details=form.cleaned_data, request=request
    )
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    # The file name carries the record number, not the name (it shows in download lists).
    response["Content-Disposition"] = f'attachment; filename="personal-data-{pk}-{stamp}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def person_correct(request, pk: int):
    person = _actor_person(request, pk)
    form = RequestForm(request.POST)
    if not form.is_valid():
        return _rights_page(request, person, form=form, status=400)
    services.privacy_request_correct(
        actor=request.user, person=person, details=form.cleaned_data, request=request
    )
    messages.info(request, "已登记更正申请，请在本页修改后保存。")
    return redirect("people:edit", pk=person.pk)


def person_erase(request, pk: int):
    # System admins only: erasure is the one irreversible operation in the
    # product and reaches every app's records, so it sits with the role that
    # already answers for the system as a whole (see docs/privacy.md).
    require_system_admin(request.user)
    person = person_for_user(request.user, pk)
    if request.method != "POST":
        return redirect("privacy:person", pk=pk)
    form = EraseForm(request.POST, person=person)
    if not form.is_valid():
        return _rights_page(request, person, erase_form=form, status=400)
    try:
        privacy_request = services.person_erase(
            actor=request.user, person=person, details=form.cleaned_data, request=request
        )
    except services.ErasureRefused as error:
        form.add_error(None, f"未删除：{error}")
        return _rights_page(request, person, erase_form=form, status=409)
    messages.success(
        request,
        f"已依申请删除人员记录（编号{privacy_request.person_ref}）的全部个人信息；"
        f"审计日志保留了删除记录。",
    )
    return redirect("people:list")
