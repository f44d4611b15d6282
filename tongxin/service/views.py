"""Thin views: access check → form → service → redirect."""

import copy

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from tongxin.core.paging import id_page
from tongxin.people.access import person_for_user, persons_visible_to, regions_writable_by
from tongxin.people.search import search_persons
from tongxin.regions import scope

from . import services
from .access import (
    can_manage_departments,
    can_read_service,
    can_write_records,
    department_for_user,
    departments_visible_to,
    service_request_for_user,
    suggestion_for_user,
)
from .forms import (
    AssignForm,
    CancelForm,
    CloseForm,
    DepartmentForm,
    FollowUpForm,
    ForwardForm,
    ProgressForm,
    RequestForm,
    RespondForm,
    SuggestionForm,
    apply_service_error,
)
from .history import record_history
from .listing import (
    RequestFilter,
    SuggestionFilter,
    filtered_requests,
    filtered_suggestions,
)
from .models import Department, RequestCategory, ServiceRequest, Suggestion, local_today

REQUEST_HISTORY_FIELDS = [
    "category",
    "content",
    "channel",
    "received_on",
    "status",
    "department",
    "assigned_on",
    "due_date",
    "answer",
    "closed_on",
    "satisfaction",
    "followed_up_on",
    "cancel_reason",
]
SUGGESTION_HISTORY_FIELDS = [
    "region",
    "title",
    "topic",
    "submitted_on",
    "content",
    "department",
    "forwarded_on",
    "outcome",
    "response",
    "responded_on",
]


def _require_reader(user) -> None:
    if not can_read_service(user):
        raise Http404


def _require_writer(user) -> None:
    if not can_write_records(user):
        raise Http404


# --- departments -------------------------------------------------------------


@require_GET
def department_list(request):
    _require_reader(request.user)
    departments = departments_visible_to(request.user)
    kind = request.GET.get("kind", "")
    if kind in Department.Kind.values:
        departments = departments.filter(kind=kind)
    if request.GET.get("active") != "all":
        departments = departments.filter(is_active=True)
    return render(
        request,
        "service/department_list.html",
        {
            "departments": departments,
            "kinds": Department.Kind.choices,
            "kind": kind,
            "show_all": request.GET.get("active") == "all",
            "can_manage": can_manage_departments(request.user),
        },
    )


def department_create(request):
    if not can_manage_departments(request.user):
        raise Http404
    form = DepartmentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            department = services.department_create(
                actor=request.user, data=form.cleaned_data, request=request
            )
        except services.ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, f"已新增成员单位“{department.name}”")
            return redirect("service:department_list")
    return render(request, "service/department_form.html", {"form": form, "department": None})


def department_edit(request, pk: int):
    department = department_for_user(request.user, pk, write=True)
    # Validating writes the input into the form's instance: keep `department` as stored.
    form = DepartmentForm(
        request.POST if request.method == "POST" else None, instance=copy.copy(department)
    )
    if request.method == "POST" and form.is_valid():
        try:
            department = services.department_update(
                actor=request.user, department=department, data=form.cleaned_data, request=request
            )
        except services.ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, f"已保存成员单位“{department.name}”")
            return redirect("service:department_list")
    return render(
        request,
        "service/department_form.html",
        {
            "form": form,
            "department": department,
            "history": record_history(department, services.DEPARTMENT_FIELDS),
        },
    )


# --- person picker -----------------------------------------------------------


@require_GET
def person_pick(request):
    """Up to 20 persons matching `q`, as radio buttons or checkboxes named `field`."""
    _require_writer(request.user)
    field = request.GET.get("field", "person")
    if field not in {"person", "submitters"}:
        raise Http404
    q = request.GET.get("q", "")
    result = search_persons(persons_visible_to(request.user), q) if q.strip() else None
    persons = (
        list(result.queryset.select_related("region").order_by("name_pinyin", "id")[:20])
        if result
        else []
    )
    return render(
        request,
        "service/_person_choices.html",
        {
            "persons": persons,
            "field": field,
            "multiple": field == "submitters",
            "hint": result.hint if result else "",
            "searched": bool(result),
        },
    )


# --- requests ----------------------------------------------------------------


@require_GET
def request_list(request):
    _require_reader(request.user)
    request_filter = RequestFilter.from_query(request.GET)
    qs, hint = filtered_requests(request.user, request_filter)
    page = id_page(
        qs,
        after=request.GET.get("after", ""),
        size=settings.PAGE_SIZE,
        load=lambda rows: rows.select_related("person", "region", "category", "department"),
    )
    context = {
        "filter": request_filter,
        "page": page,
        "total": qs.count(),
        "hint": hint,
        "today": local_today(),
        "statuses": ServiceRequest.Status.choices,
        "categories": RequestCategory.objects.all(),
        "departments": Department.objects.all(),
        "regions": scope.readable_regions(request.user),
        "can_write": can_write_records(request.user),
    }
    template = "service/_request_table.html" if request.htmx else "service/request_list.html"
    return render(request, template, context)


def request_create(request):
    _require_writer(request.user)
    if not regions_writable_by(request.user).exists():
        raise Http404
    initial_person = None
    if request.method == "GET" and request.GET.get("person"):
        initial_person = person_for_user(request.user, request.GET["person"])
    form = RequestForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        with_person=True,
        initial={"person": initial_person.pk} if initial_person else None,
    )
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["person"]
        try:
            service_request = services.service_request_create(
                actor=request.user, person=person, data=form.service_data(), request=request
            )
        except services.ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, f"已受理{person.name}的意见诉求")
            return redirect("service:request_detail", pk=service_request.pk)
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
        "history": record_history(service_request, REQUEST_HISTORY_FIELDS),
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
    form = RequestForm(
        request.POST if request.method == "POST" else None,
        instance=copy.copy(service_request),
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.service_request_update(
                actor=request.user,
                service_request=service_request,
                data=form.service_data(),
                expected_version=form.cleaned_data.get("version") or 0,
                request=request,
            )
        except services.ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, "已保存修改")
            return redirect("service:request_detail", pk=service_request.pk)
    return render(
        request,
        "service/request_form.html",
        {"form": form, "service_request": service_request},
        status=400 if request.method == "POST" else 200,
    )


def _request_action(request, pk: int, form_class, form_name: str, run, success: str):
    """POST-only transition: validate the form, call the service, back to the detail page.

    A refused input re-renders the detail page with the errors next to the
    action's fields (status 400) and changes nothing.
    """
    service_request = service_request_for_user(request.user, pk, write=True)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            run(service_request, form.cleaned_data)
        except services.ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, success)
            return redirect("service:request_detail", pk=service_request.pk)
    service_request = service_request_for_user(request.user, pk)
    context = _request_detail_context(request, service_request, **{form_name: form})
    context["failed_action"] = form_name
    if form_name not in context:  # the status no longer offers this action
        for error in form.non_field_errors():
            messages.error(request, error)
    return render(request, "service/request_detail.html", context, status=400)


@require_POST
def request_assign(request, pk: int):
    def run(service_request, data):
        services.service_request_assign(
            actor=request.user,
            service_request=service_request,
            department=data["department"],
            due_date=data["due_date"],
            assigned_on=data["assigned_on"],
            request=request,
        )

    return _request_action(request, pk, AssignForm, "assign_form", run, "已交办")


@require_POST
def request_progress(request, pk: int):
    def run(service_request, data):
        services.service_request_progress_add(
            actor=request.user,
            service_request=service_request,
            on_date=data["on_date"],
            note=data["note"],
            request=request,
        )

    return _request_action(request, pk, ProgressForm, "progress_form", run, "已记录办理进展")


@require_POST
def request_close(request, pk: int):
    def run(service_request, data):
        services.service_request_close(
            actor=request.user,
            service_request=service_request,
            answer=data["answer"],
            closed_on=data["closed_on"],
            request=request,
        )

    return _request_action(request, pk, CloseForm, "close_form", run, "已办结")


@require_POST
def request_follow_up(request, pk: int):
    def run(service_request, data):
        follow_up = services.service_request_follow_up(
            actor=request.user,
            service_request=service_request,
            satisfaction=data["satisfaction"],
            on_date=data["on_date"],
            note=data["note"],
            reopen=data["reopen"],
            reopen_reason=data["reopen_reason"],
            new_due_date=data["new_due_date"],
            request=request,
        )
        if follow_up.reopened:
            messages.warning(request, "回访不满意，已重新办理")

    return _request_action(request, pk, FollowUpForm, "follow_up_form", run, "已记录回访")


@require_POST
def request_cancel(request, pk: int):
    def run(service_request, data):
        services.service_request_cancel(
            actor=request.user,
            service_request=service_request,
            reason=data["reason"],
            request=request,
        )

    return _request_action(request, pk, CancelForm, "cancel_form", run, "已撤销")


# --- suggestions -------------------------------------------------------------


@require_GET
def suggestion_list(request):
    _require_reader(request.user)
    suggestion_filter = SuggestionFilter.from_query(request.GET)
    qs, hint = filtered_suggestions(request.user, suggestion_filter)
    page = id_page(
        qs,
        after=request.GET.get("after", ""),
        size=settings.PAGE_SIZE,
        load=lambda rows: rows.select_related("region", "department").prefetch_related(
            "submitters"
        ),
    )
    context = {
        "filter": suggestion_filter,
        "page": page,
        "total": qs.count(),
        "hint": hint,
        "outcomes": Suggestion.Outcome.choices,
        "departments": Department.objects.all(),
        "regions": scope.readable_regions(request.user),
        "can_write": can_write_records(request.user),
    }
    template = "service/_suggestion_table.html" if request.htmx else "service/suggestion_list.html"
    return render(request, template, context)


def _chosen_submitters(request, form, suggestion: Suggestion | None) -> list:
    if request.method == "POST":
        if "submitters" in form.cleaned_data:
            return form.cleaned_data["submitters"]
        ids = [i for i in request.POST.getlist("submitters") if i.isdigit()]
        return list(persons_visible_to(request.user).filter(pk__in=ids))
    if suggestion is not None:
        return _submitters_split(request.user, suggestion)[0]
    if request.GET.get("person"):
        return [person_for_user(request.user, request.GET["person"])]
    return []


def _submitters_split(user, suggestion: Suggestion) -> tuple[list, list]:
    """(the submitters `user` may see, the others): the others are counted on
    the page and kept as they are when the user saves."""
    readable = scope.read_scope(user)
    inside, outside = [], []
    for person in suggestion.submitters.select_related("region").order_by("id"):
        (inside if readable.contains(person.region_id) else outside).append(person)
    return inside, outside


def suggestion_create(request):
    _require_writer(request.user)
    writable = regions_writable_by(request.user)
    if not writable.exists():
        raise Http404
    form = SuggestionForm(request.POST if request.method == "POST" else None, user=request.user)
    chosen = []
    if request.method == "GET":
        chosen = _chosen_submitters(request, form, None)
        # The first submitter's region, if the user may write there.
        if chosen and writable.filter(pk=chosen[0].region_id).exists():
            form.initial["region"] = chosen[0].region_id
        elif writable.count() == 1:
            form.initial["region"] = writable.get().pk
    if request.method == "POST" and form.is_valid():
        try:
            suggestion = services.suggestion_create(
                actor=request.user,
                data=form.service_data(),
                submitters=form.cleaned_data["submitters"],
                request=request,
            )
        except services.ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, f"已登记建言献策“{suggestion.title}”")
            return redirect("service:suggestion_detail", pk=suggestion.pk)
    if request.method == "POST":
        chosen = _chosen_submitters(request, form, None)
    return render(
        request,
        "service/suggestion_form.html",
        {"form": form, "suggestion": None, "chosen": chosen},
    )


def suggestion_edit(request, pk: int):
    suggestion = suggestion_for_user(request.user, pk, write=True)
    form = SuggestionForm(
        request.POST if request.method == "POST" else None,
        instance=copy.copy(suggestion),
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.suggestion_update(
                actor=request.user,
                suggestion=suggestion,
                data=form.service_data(),
                # Submitters outside the user's scope stay: the user never saw them.
                submitters=[
                    *form.cleaned_data["submitters"],
                    *_submitters_split(request.user, suggestion)[1],
                ],
                request=request,
            )
        except services.ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, "已保存修改")
            return redirect("service:suggestion_detail", pk=suggestion.pk)
    return render(
        request,
        "service/suggestion_form.html",
        {
            "form": form,
            "suggestion": suggestion,
            "chosen": _chosen_submitters(request, form, suggestion),
            "outside": len(_submitters_split(request.user, suggestion)[1]),
        },
        status=400 if request.method == "POST" else 200,
    )


def _suggestion_detail_context(request, suggestion: Suggestion, **forms) -> dict:
    can_write = can_write_records(request.user)
    inside, outside = _submitters_split(request.user, suggestion)
    context = {
        "suggestion": suggestion,
        # Submitters outside the user's scope are counted, never named.
        "submitters": inside,
        "outside": len(outside),
        "history": record_history(suggestion, SUGGESTION_HISTORY_FIELDS),
        "can_write": can_write,
    }
    if can_write:
        context["forward_form"] = forms.get("forward_form") or ForwardForm(
            initial={"department": suggestion.department_id}
        )
        context["respond_form"] = forms.get("respond_form") or RespondForm(
            initial={"outcome": suggestion.outcome, "response": suggestion.response}
        )
    return context


@require_GET
def suggestion_detail(request, pk: int):
    suggestion = suggestion_for_user(request.user, pk)
    return render(
        request, "service/suggestion_detail.html", _suggestion_detail_context(request, suggestion)
    )


def _suggestion_action(request, pk: int, form_class, form_name: str, run, success: str):
    suggestion = suggestion_for_user(request.user, pk, write=True)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            run(suggestion, form.cleaned_data)
        except services.ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, success)
            return redirect("service:suggestion_detail", pk=suggestion.pk)
    context = _suggestion_detail_context(request, suggestion, **{form_name: form})
    context["failed_action"] = form_name
    return render(request, "service/suggestion_detail.html", context, status=400)


@require_POST
def suggestion_forward(request, pk: int):
    def run(suggestion, data):
        services.suggestion_forward(
            actor=request.user,
            suggestion=suggestion,
            department=data["department"],
            forwarded_on=data["forwarded_on"],
            request=request,
        )

    return _suggestion_action(request, pk, ForwardForm, "forward_form", run, "已转交")


@require_POST
def suggestion_respond(request, pk: int):
    def run(suggestion, data):
        services.suggestion_respond(
            actor=request.user,
            suggestion=suggestion,
            outcome=data["outcome"],
            response=data["response"],
            responded_on=data["responded_on"],
            request=request,
        )

    return _suggestion_action(request, pk, RespondForm, "respond_form", run, "已记录办理结果")
