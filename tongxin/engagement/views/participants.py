"""The persons on an activity, training, cluster or organisation: bulk
additions and their undo, 全部出席, withdrawals (one or the ticked ones)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tongxin.core.forms import posted
from tongxin.core.paging import number_page
from tongxin.people.listing import PersonFilter, filtered_persons

from .. import services
from ..forms import WithdrawForm
from ..models import (
    ActivityParticipant,
    ParticipantBatch,
)
from ..person_pick import CONFIRM_ABOVE, pick_context
from .common import (
    PARTICIPANTS_PER_PAGE,
    WITHDRAWABLE,
    kind_for,
    restrict_persons,
)


def participant_page(request, target, rows) -> dict:
    """One page of the participants the user may see, with what the bulk
    controls need: how many there are, how many are not marked attended, and
    the bulk additions that can still be undone."""
    page = number_page(request, rows, PARTICIPANTS_PER_PAGE)
    context = {
        "page": page,
        "participant_total": page.paginator.count,
        "batches": list(services.batches_to_undo(target).select_related("added_by")[:5]),
        "confirm_above": CONFIRM_ABOVE,
    }
    if hasattr(rows.model, "attendance"):
        context["not_attended"] = rows.exclude(
            attendance=ActivityParticipant.Attendance.ATTENDED
        ).count()
    return context


def add_persons(request, slug: str, pk: int):
    """Add every person matching a person-list filter to an activity, training or
    cluster in one action (GET: the filter and how many match; POST: add them)."""
    kind = kind_for(slug)
    if slug not in {"activities", "trainings", "clusters"}:
        raise Http404
    target = kind.get(request.user, pk, write=True)
    if target.is_cancelled:
        raise Http404
    params = request.POST if request.method == "POST" else request.GET
    person_filter = PersonFilter.from_query(params)
    persons, hint = filtered_persons(request.user, person_filter)
    count = persons.count()
    if request.method == "POST":
        if person_filter.errors:
            messages.error(request, "；".join(person_filter.errors))
        elif count > CONFIRM_ABOVE and params.get("confirm") != str(count):
            # The count shown is of the filter last applied: a name typed but
            # not applied must not turn "add these" into "add everyone".
            messages.error(request, f"符合条件的人员共 {count} 人，请勾选确认后再添加")
        else:
            try:
                added = services.persons_bulk_add(
                    actor=request.user, target=target, persons=persons, request=request
                )
            except ValidationError as error:
                messages.error(request, "；".join(error.messages))
            else:
                messages.success(request, f"已添加 {added} 人（已在名单中的人员未重复添加）")
                return redirect("engagement:" + slug + "_detail", pk=pk)
    context = {
        "kind": kind,
        "target": target,
        **pick_context(request.user, persons, person_filter, hint, count),
    }
    return render(request, "engagement/add_persons.html", context)


def _list_target(request, slug: str, pk: int):
    """The activity, training or cluster `pk` the user may change, not cancelled."""
    if slug not in {"activities", "trainings", "clusters"}:
        raise Http404
    target = kind_for(slug).get(request.user, pk, write=True)
    if target.is_cancelled:
        raise Http404
    return target


# the field of a bulk addition naming its target → the target's kind
_BATCH_TARGETS = {"activity": "activities", "training": "trainings", "cluster": "clusters"}


@require_POST
def batch_undo(request, pk: int):
    """Undo one bulk addition as one step (its target must be the user's to change)."""
    try:
        batch = ParticipantBatch.objects.get(pk=pk, undone_at__isnull=True)
    except ParticipantBatch.DoesNotExist:
        raise Http404 from None
    field = next(f for f in _BATCH_TARGETS if getattr(batch, f"{f}_id"))
    slug = _BATCH_TARGETS[field]
    target = _list_target(request, slug, getattr(batch, f"{field}_id"))
    try:
        withdrawn, left = services.participant_batch_undo(
            actor=request.user, batch=batch, request=request
        )
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        outside = f"；其他区域人员 {left} 名不在您的范围内，未撤回" if left else ""
        messages.success(request, f"已撤销这次批量添加，撤回 {withdrawn} 人{outside}")
    return redirect("engagement:" + slug + "_detail", pk=target.pk)


@require_POST
def mark_attended(request, slug: str, pk: int):
    """全部出席: every participant the user may see who is not marked attended.
    More than CONFIRM_ABOVE only with `confirm` equal to the number shown."""
    if slug not in {"activities", "trainings"}:
        raise Http404
    target = _list_target(request, slug, pk)
    rows = restrict_persons(request.user, services.membership_rows(target))
    pending = rows.exclude(attendance=ActivityParticipant.Attendance.ATTENDED).count()
    if pending > CONFIRM_ABOVE and request.POST.get("confirm") != str(pending):
        messages.error(request, f"将登记 {pending} 人出席，人数有变化，请核对后重新确认")
        return redirect("engagement:" + slug + "_detail", pk=pk)
    try:
        marked = services.participants_mark_attended(
            actor=request.user, target=target, rows=rows, request=request
        )
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, f"已登记 {marked} 人出席")
    return redirect("engagement:" + slug + "_detail", pk=pk)


def withdraw_chosen(request, slug: str, pk: int):
    """Withdraw the ticked participants at once: GET shows who and asks for a
    reason (and, above CONFIRM_ABOVE, a confirmation); POST withdraws."""
    target = _list_target(request, slug, pk)
    params = request.POST if request.method == "POST" else request.GET
    try:
        chosen = sorted({int(v) for v in params.getlist("rows")})
    except ValueError:
        chosen = []
    rows = restrict_persons(
        request.user, services.membership_rows(target).filter(pk__in=chosen)
    ).select_related("person", "person__region")
    count = rows.count()
    form = WithdrawForm(posted(request))
    error = "" if count else "请先勾选要撤回的人员"
    if request.method == "POST" and count and form.is_valid():
        if count > CONFIRM_ABOVE and params.get("confirm") != str(count):
            error = f"本次将撤回 {count} 人，请勾选确认后再提交"
        else:
            try:
                withdrawn = services.persons_withdraw(
                    actor=request.user, target=target, rows=rows,
                    reason=form.cleaned_data["reason"], request=request,
                )  # fmt: skip
            except ValidationError as exc:
                error = "；".join(exc.messages)
            else:
                messages.success(request, f"已从{target}的名单中撤回 {withdrawn} 人")
                return redirect("engagement:" + slug + "_detail", pk=pk)
    context = {
        "kind": kind_for(slug),
        "record": target,
        "rows": rows[:PARTICIPANTS_PER_PAGE],
        "row_ids": [row.pk for row in rows],
        "count": count,
        "form": form,
        "error": error,
        "needs_confirm": count > CONFIRM_ABOVE,
        "confirm_above": CONFIRM_ABOVE,
    }
    return render(request, "engagement/withdraw_chosen.html", context)


def person_withdraw(request, slug: str, pk: int, row_pk: int):
    """Take a person added by mistake out of an activity, training, cluster or
    organisation: GET asks for confirmation, POST withdraws."""
    if slug not in WITHDRAWABLE:
        raise Http404
    kind = kind_for(slug)
    target = kind.get(request.user, pk, write=True)
    if target.is_cancelled:
        raise Http404
    rows = restrict_persons(
        request.user, services.membership_rows(target).select_related("person", "person__region")
    )
    try:
        row = rows.get(pk=row_pk)
    except rows.model.DoesNotExist:
        raise Http404 from None
    # An empty POST is still a confirmation: the reason is optional.
    form = WithdrawForm(posted(request))
    if form.is_bound and form.is_valid():
        try:
            services.person_withdraw(
                actor=request.user, row=row, reason=form.cleaned_data["reason"], request=request
            )
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        else:
            messages.success(request, f"已将{row.person.name}从{target}的名单中撤回")
        return redirect("engagement:" + slug + "_detail", pk=pk)
    context = {
        "kind": kind,
        "record": target,
        "row": row,
        "row_label": WITHDRAWABLE[slug],
        "attended": getattr(row, "attendance", "") == ActivityParticipant.Attendance.ATTENDED,
        "form": form,
    }
    return render(request, "engagement/person_withdraw.html", context)
