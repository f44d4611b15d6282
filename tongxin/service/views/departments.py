"""Departments (承办部门): list, create, edit."""

import copy

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from tongxin.core.forms import posted

from .. import services
from ..access import (
    can_manage_departments,
    department_for_user,
    departments_visible_to,
)
from ..forms import (
    DepartmentForm,
    apply_service_error,
)
from ..history import record_history
from ..models import Department
from .common import require_reader

# --- departments -------------------------------------------------------------


@require_GET
def department_list(request):
    require_reader(request.user)
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
    form = DepartmentForm(posted(request))
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
    form = DepartmentForm(posted(request), instance=copy.copy(department))
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
