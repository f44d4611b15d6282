"""Organisations (组织载体): their pages (`pages`) and their members."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tongxin.people.access import person_for_user
from tongxin.people.listing import PersonFilter, filtered_persons

from .. import access, services
from ..forms import MemberForm
from ..models import (
    OrganisationMember,
    RecordStatus,
)
from ..person_pick import PREVIEW_SIZE
from .common import restrict_persons
from .pages import MemberPages


def _organisation_extra(request, organisation):
    members = restrict_persons(
        request.user, organisation.members.select_related("person").order_by("status", "role", "id")
    )
    return {
        "members": members,
        "children": access.organisations_visible_to(request.user).filter(parent=organisation),
        "activities": access.activities_visible_to(request.user).filter(
            organisation=organisation, status=RecordStatus.ACTIVE
        ),
    }


def member_add(request, pk: int):
    organisation = access.organisation_for_user(request.user, pk, write=True)
    if organisation.is_cancelled:
        raise Http404
    if request.method == "POST":
        form = MemberForm(request.POST)
        if form.is_valid():
            person = person_for_user(request.user, form.cleaned_data["person"])
            try:
                services.person_add(
                    actor=request.user, target=organisation, person=person,
                    role=form.cleaned_data["role"], start_date=form.cleaned_data["start_date"],
                    request=request,
                )  # fmt: skip
            except ValidationError as error:
                messages.error(request, "；".join(error.messages))
            else:
                messages.success(request, f"已添加成员：{person.name}")
                return redirect("engagement:organisations_detail", pk=pk)
        else:
            messages.error(request, "请选择职务")
    person_filter = PersonFilter.from_query(request.GET)
    rows, hint = [], ""
    if person_filter.q:
        qs, hint = filtered_persons(request.user, person_filter)
        rows = list(qs.select_related("region")[:PREVIEW_SIZE])
    context = {
        "organisation": organisation,
        "filter": person_filter,
        "rows": rows,
        "hint": hint,
        "roles": OrganisationMember.Role.choices,
    }
    return render(request, "engagement/member_add.html", context)


@require_POST
def member_end(request, pk: int, member_pk: int):
    organisation = access.organisation_for_user(request.user, pk, write=True)
    members = restrict_persons(request.user, organisation.members.all())
    try:
        member = members.get(pk=member_pk, status=RecordStatus.ACTIVE)
    except OrganisationMember.DoesNotExist:
        raise Http404 from None
    raw = request.POST.get("end_date") or ""
    try:
        on_date = datetime.date.fromisoformat(raw) if raw else timezone.localdate()
        services.member_end(actor=request.user, member=member, on_date=on_date, request=request)
    except ValueError:
        messages.error(request, "离任日期格式无效")
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, "已登记离任")
    return redirect("engagement:organisations_detail", pk=pk)


# --- the organisations pages ---------------------------------------------------------------

pages = MemberPages("organisations", extra=_organisation_extra)
