"""Records about one person (positions, honours, secondments): the named pages;
and the person's timeline panel."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from tongxin.people.access import person_for_user

from ..panels import timeline_context
from . import records
from .common import require_reader

# --- the person's timeline ---------------------------------------------------------------


@require_GET
def person_timeline_panel(request, pk: int):
    require_reader(request.user)
    person = person_for_user(request.user, pk)
    return render(
        request, "engagement/_timeline.html", {"panel": timeline_context(request, person)}
    )


# --- the positions pages: the generic machinery with this type's slug ----------------------------


def position_list(request):
    return records.record_list(request, "positions")


def position_create(request):
    return records.record_create(request, "positions")


def position_detail(request, pk: int):
    return records.record_detail(request, "positions", pk)


def position_edit(request, pk: int):
    return records.record_edit(request, "positions", pk)


def position_cancel(request, pk: int):
    return records.record_cancel(request, "positions", pk)


# --- the honours pages: the generic machinery with this type's slug ------------------------------


def honour_list(request):
    return records.record_list(request, "honours")


def honour_create(request):
    return records.record_create(request, "honours")


def honour_detail(request, pk: int):
    return records.record_detail(request, "honours", pk)


def honour_edit(request, pk: int):
    return records.record_edit(request, "honours", pk)


def honour_cancel(request, pk: int):
    return records.record_cancel(request, "honours", pk)


# --- the secondments pages: the generic machinery with this type's slug --------------------------


def secondment_list(request):
    return records.record_list(request, "secondments")


def secondment_create(request):
    return records.record_create(request, "secondments")


def secondment_detail(request, pk: int):
    return records.record_detail(request, "secondments", pk)


def secondment_edit(request, pk: int):
    return records.record_edit(request, "secondments", pk)


def secondment_cancel(request, pk: int):
    return records.record_cancel(request, "secondments", pk)
