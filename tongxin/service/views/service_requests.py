"""意见诉求 (service requests): list, create, detail, edit and the steps."""

import copy

from django.contrib import messages
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tongxin.core.forms import posted
from tongxin.people.access import person_for_user, regions_writable_by
from tongxin.regions import scope

from .. import services
from ..access import (
    can_write_records,
    service_request_for_user,
    service_requests_visible_to,
)
from ..filters import ServiceRequestFilter
from ..forms import (
    AssignForm,
    CancelForm,
    CloseForm,
    FollowUpForm,
    ProgressForm,
    RequestForm,
)
from ..history import record_history
from ..models import Department, RequestCategory, ServiceRequest, local_today
from .common import RecordSteps, filtered_list, require_writer, saved

# --- requests ----------------------------------------------------------------


@require_GET
def request_list(request):
    return filtered_list(
        request,
        ServiceRequestFilter,
        service_requests_visible_to,
        load=lambda rows: rows.select_related("person", "region", "category", "department"),
        template="service/request_list.html",
        table="service/_request_table.html",
        today=local_today(),
        statuses=ServiceRequest.Status.choices,
        categories=RequestCategory.objects.all(),
        departments=Department.objects.all(),
    )


def request_create(request):
    require_writer(request.user)
    if not regions_writable_by(request.user).exists():
        raise Http404
    initial_person = None
    if request.method == "GET" and request.GET.get("person"):
        initial_person = person_for_user(request.user, request.GET["person"])
    form = RequestForm(
        posted(request),
        user=request.user,
        with_person=True,
        initial={"person": initial_person.pk} if initial_person else None,
    )
    done = saved(
        request,
        form,
        lambda: services.service_request_create(
            actor=request.user,
            person=form.cleaned_data["person"],
            data=form.service_data(),
            request=request,
        ),
        success=lambda created: f"已受理{created.person.name}的意见诉求",
        detail_url="service:request_detail",
    )
    if done:
        return done
    if request.method == "POST" and "person" in form.cleaned_data:
        initial_person = form.cleaned_data["person"]
    return render(
        request,
        "service/request_form.html",
        {
            "form": form,
            "service_request": None,
            "chosen_persons": [initial_person] if initial_person else [],
        },
    )


def _request_detail_context(request, service_request: ServiceRequest, **forms) -> dict:
    person_inside = scope.write_scope(request.user).contains(service_request.person.region_id)
    can_write = can_write_records(request.user) and person_inside
    context = {
        "service_request": service_request,
        "person": service_request.person,
        "person_inside": scope.read_scope(request.user).contains(service_request.person.region_id),
        "today": local_today(),
        "progress": list(service_request.progress.select_related("recorded_by")),
        "follow_ups": list(service_request.follow_ups.select_related("recorded_by")),
        "history": record_history(service_request, ServiceRequest.HISTORY_FIELDS),
        "can_write": can_write,
    }
    if can_write:
        status = service_request.status
        Status = ServiceRequest.Status
        if status in ServiceRequest.OPEN_STATUSES:
            context["assign_form"] = forms.get("assign_form") or AssignForm(
                initial={
                    "department": service_request.department_id,
                    "due_date": service_request.due_date,
                }
            )
        if status in ServiceRequest.DUE_STATUSES:
            context["progress_form"] = forms.get("progress_form") or ProgressForm()
            context["close_form"] = forms.get("close_form") or CloseForm()
        if status in ServiceRequest.OPEN_STATUSES:
            context["cancel_form"] = forms.get("cancel_form") or CancelForm()
        if status == Status.CLOSED and service_request.followed_up_on is None:
            context["follow_up_form"] = forms.get("follow_up_form") or FollowUpForm()
    return context


@require_GET
def request_detail(request, pk: int):
    service_request = service_request_for_user(request.user, pk)
    return render(
        request, "service/request_detail.html", _request_detail_context(request, service_request)
    )


def request_edit(request, pk: int):
    service_request = service_request_for_user(request.user, pk, write=True)
    form = RequestForm(posted(request), instance=copy.copy(service_request), user=request.user)
    done = saved(
        request,
        form,
        lambda: services.service_request_update(
            actor=request.user,
            service_request=service_request,
            data=form.service_data(),
            expected_version=form.cleaned_data.get("version") or 0,
            request=request,
        ),
        success="已保存修改",
        detail_url="service:request_detail",
    )
    if done:
        return done
    return render(
        request,
        "service/request_form.html",
        {"form": form, "service_request": service_request},
        status=400 if request.method == "POST" else 200,
    )


_steps = RecordSteps(
    record_arg="service_request",
    for_user=service_request_for_user,
    detail_context=_request_detail_context,
    detail_template="service/request_detail.html",
    detail_url="service:request_detail",
)
request_assign = _steps.view(AssignForm, "assign_form", services.service_request_assign, "已交办")
request_progress = _steps.view(
    ProgressForm, "progress_form", services.service_request_progress_add, "已记录办理进展"
)
request_close = _steps.view(CloseForm, "close_form", services.service_request_close, "已办结")


def _warn_if_reopened(request, follow_up):
    if follow_up.reopened:
        messages.warning(request, "回访不满意，已重新办理")


request_follow_up = _steps.view(
    FollowUpForm,
    "follow_up_form",
    services.service_request_follow_up,
    "已记录回访",
    then=_warn_if_reopened,
)
request_cancel = _steps.view(CancelForm, "cancel_form", services.service_request_cancel, "已撤销")
