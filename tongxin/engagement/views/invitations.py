"""Staff pages of invitations: invite persons to an activity or a training
(the person-list filter, as for 批量添加), and take back an unanswered one.
The answers show on the record's page (invitation_context)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tongxin.core.forms import posted
from tongxin.people.listing import PersonFilter, filtered_persons

from .. import invitations
from ..forms import InviteForm
from ..kinds import KINDS
from ..models import Invitation
from ..person_pick import CONFIRM_ABOVE, pick_context

SHOWN = 200
_SLUGS = {"activities", "trainings"}


def _target(request, slug: str, pk: int):
    """The activity or training `pk` the user may change, not cancelled."""
    if slug not in _SLUGS:
        raise Http404
    target = KINDS[slug].get(request.user, pk, write=True)
    if target.is_cancelled:
        raise Http404
    return target


def invite(request, slug: str, pk: int):
    """GET: the filter, how many match and the deadline; POST: invite them."""
    target = _target(request, slug, pk)
    params = request.POST if request.method == "POST" else request.GET
    person_filter = PersonFilter.from_query(params)
    persons, hint = filtered_persons(request.user, person_filter)
    count = persons.count()
    form = InviteForm(posted(request))
    if request.method == "POST" and form.is_valid():
        if person_filter.errors:
            messages.error(request, "；".join(person_filter.errors))
        elif count > CONFIRM_ABOVE and params.get("confirm") != str(count):
            messages.error(request, f"符合条件的人员共 {count} 人，请勾选确认后再邀请")
        else:
            try:
                invited, skipped = invitations.invitations_send(
                    actor=request.user, target=target, persons=persons,
                    respond_by=form.cleaned_data["respond_by"], note=form.cleaned_data["note"],
                    request=request,
                )  # fmt: skip
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, error)
            else:
                skipped_text = f"；{skipped} 人已在名单中或已邀请，未重复邀请" if skipped else ""
                messages.success(
                    request,
                    f"已邀请 {invited} 人{skipped_text}。本人打开个人链接即可接受或谢绝。",
                )
                return redirect(f"engagement:{slug}_detail", pk=pk)
    context = {
        "kind": KINDS[slug],
        "target": target,
        "form": form,
        **pick_context(request.user, persons, person_filter, hint, count),
    }
    return render(request, "engagement/invite.html", context)


@require_POST
def invitation_withdraw(request, slug: str, pk: int, invitation_pk: int):
    target = _target(request, slug, pk)
    rows = invitations.invitations_of(target).visible_to(request.user).select_related("person")
    try:
        invitation = rows.get(pk=invitation_pk)
    except Invitation.DoesNotExist:
        raise Http404 from None
    try:
        invitations.invitation_withdraw(actor=request.user, invitation=invitation, request=request)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, f"已撤回对{invitation.person.name}的邀请")
    return redirect(f"engagement:{slug}_detail", pk=pk)


def invitation_context(request, target, slug: str, can_edit: bool) -> dict:
    """The invitations box of an activity's or a training's page."""
    rows = invitations.invitations_visible(request.user, target)
    return {
        "invitation_counts": invitations.invitation_counts(request.user, target),
        "invitation_rows": rows[:SHOWN],
        "invitation_shown": SHOWN,
        "invitation_slug": slug,
        "invite_url": reverse(f"engagement:{slug}_invite", args=[target.pk]),
        # Invitations are answered before the start: none once it has begun.
        "can_invite": can_edit and target.start_date >= timezone.localdate(),
        "today": timezone.localdate(),
    }
