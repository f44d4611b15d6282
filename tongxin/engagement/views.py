"""Thin views: access check → form → service → redirect.

The list, detail, create, edit and cancel pages of every record type are the
same five views driven by `kinds.KINDS`; the pages with rules of their own
(participants, attachments, members, nomination stages, the board, the
timeline) follow them.
"""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from tongxin.core.paging import number_page
from tongxin.core.templatetags.tongxin import cn_date
from tongxin.core.writes import StaleEditError
from tongxin.people.access import person_for_user
from tongxin.people.listing import PersonFilter, filtered_persons
from tongxin.regions import scope
from tongxin.regions.models import Region

from . import access, services
from .forms import (
    AttachmentForm,
    CancelForm,
    MemberForm,
    ParticipantForm,
    StageForm,
    TrainingParticipantForm,
    WithdrawForm,
    record_form_class,
)
from .invitation_views import invitation_context
from .kinds import KINDS
from .models import (
    ActivityAttachment,
    ActivityParticipant,
    Nomination,
    OrganisationMember,
    ParticipantBatch,
    RecordStatus,
    TrainingParticipant,
    current_positions_q,
)
from .panels import timeline_context
from .person_pick import CONFIRM_ABOVE, PREVIEW_SIZE, pick_context

# Participants shown per page of an activity or a training (2,000 in one page
# took seconds to render and scroll).
PARTICIPANTS_PER_PAGE = 100

# Kinds whose detail page lists persons in them, and what one such row is called.
_WITHDRAWABLE = {
    "activities": "参加人员",
    "trainings": "参训人员",
    "clusters": "人员",
    "organisations": "成员",
}


def _kind(slug: str):
    try:
        return KINDS[slug]
    except KeyError:
        raise Http404 from None


def _require_reader(user) -> None:
    if not access.can_read(user):
        raise Http404


def _require_writer(user) -> None:
    if not access.can_write(user):
        raise Http404


def cell(record, accessor: str, readable: scope.Scope | None = None) -> str:
    """The text of `record.<accessor>` as a list shows it ("a.b", methods called).

    With `readable`, a related record outside that scope (another region's
    organisation, a person who moved away) is shown as being there, unnamed.
    """
    value = record
    for part in accessor.split("."):
        if value is None:
            return ""
        value = getattr(value, part)
        if callable(value):
            value = value()
        if readable is not None and _outside(value, readable):
            return f"其他区域的{value._meta.verbose_name}"
    if isinstance(value, datetime.date):
        return cn_date(value)
    return "" if value is None else str(value)


def _outside(value, readable: scope.Scope) -> bool:
    if not isinstance(value, Model) or isinstance(value, Region):
        return False
    region_id = getattr(value, "region_id", None)
    return region_id is not None and not readable.contains(region_id)


def _filter_options(kind, user) -> list[dict]:
    """The <select> filters of a list: each {name, label, options[(value, label)]}."""
    result = []
    for name in kind.filters:
        field = kind.model._meta.get_field(name)
        if field.is_relation:
            qs = field.related_model.objects.all()
            if hasattr(qs, "visible_to"):
                qs = qs.visible_to(user)
            options = [(str(o.pk), str(o)) for o in qs]
        else:
            options = [(str(v), str(label)) for v, label in field.choices]
        result.append({"name": name, "label": field.verbose_name, "options": options})
    return result


def _filtered(kind, user, params):
    qs = kind.visible(user)
    status = params.get("status", RecordStatus.ACTIVE)
    if status in RecordStatus.values:
        qs = qs.filter(status=status)
    region = params.get("region", "")
    if region.isdigit():
        qs = scope.subtree_of(int(region)).filter(qs)
    for name in kind.filters:
        value = params.get(name, "")
        if not value:
            continue
        field = kind.model._meta.get_field(name)
        if field.is_relation:
            if value.isdigit():
                qs = qs.filter(**{f"{name}_id": int(value)})
        elif value in {str(v) for v, _ in field.choices}:
            qs = qs.filter(**{name: value})
    if kind.slug == "positions" and params.get("current") == "1":
        qs = qs.filter(current_positions_q())
    q = (params.get("q") or "").strip()[:100]
    if q:
        condition = Q()
        for field in kind.search:
            condition |= Q(**{f"{field}__icontains": q})
        qs = qs.filter(condition)
    if kind.annotate:
        # Counts of persons count those inside the user's scope (the list says so).
        qs = qs.annotate(**kind.annotate(scope.read_scope(user)))
    return qs


# --- generic record pages ----------------------------------------------------------


@require_GET
def record_list(request, slug: str):
    kind = _kind(slug)
    _require_reader(request.user)
    qs = _filtered(kind, request.user, request.GET)
    page = number_page(request, qs.order_by(*kind.model._meta.ordering), 50)
    readable = scope.read_scope(request.user)
    rows = [
        (record, [cell(record, accessor, readable) for _, accessor in kind.columns])
        for record in page
    ]
    context = {
        "kind": kind,
        "page": page,
        "rows": rows,
        "headers": [header for header, _ in kind.columns],
        "filters": _filter_options(kind, request.user),
        "regions": scope.readable_regions(request.user),
        "statuses": RecordStatus.choices,
        "params": request.GET,
        "can_edit": access.can_write(request.user),
        "counts_in_scope": bool(kind.annotate) and not readable.everything,
    }
    template = "engagement/_record_table.html" if request.htmx else "engagement/record_list.html"
    return render(request, template, context)


def _field_rows(kind, record, readable: scope.Scope) -> list[tuple[str, str]]:
    rows = []
    for name in kind.fields:
        field = kind.model._meta.get_field(name)
        accessor = f"get_{name}_display" if field.choices else name
        rows.append((field.verbose_name, cell(record, accessor, readable) or "—"))
    return rows


def _history_rows(record) -> list[dict]:
    """The record's history as people read it: who, when, what changed."""
    records = list(record.history.select_related("history_user").order_by("history_id"))
    result, previous = [], None
    for entry in records:
        changes = []
        if previous is not None:
            delta = entry.diff_against(previous, excluded_fields=["version"])
            for change in delta.changes:
                field = type(record)._meta.get_field(change.field)
                if field.choices:
                    old = dict(field.flatchoices).get(change.old, change.old)
                    new = dict(field.flatchoices).get(change.new, change.new)
                else:
                    old, new = change.old, change.new
                changes.append((field.verbose_name, old, new))
        result.append(
            {
                "at": entry.history_date,
                "user": str(entry.history_user) if entry.history_user else "系统",
                "reason": entry.history_change_reason
                or {"+": "新增", "~": "修改"}.get(entry.history_type, ""),
                "changes": changes,
            }
        )
        previous = entry
    result.reverse()
    return result


def _withdrawal_rows(record, row_label: str, readable: scope.Scope) -> list[dict]:
    """Persons withdrawn from the record's list, in the shape of _history_rows;
    a person outside the user's scope is there, unnamed."""
    rows = services.withdrawn_rows(record).select_related("person", "history_user")
    # Persons withdrawn in one step (a bulk withdrawal, an undone bulk addition)
    # share one time and reason: one history line for them all.
    groups: dict[tuple, list] = {}
    for entry in rows.order_by("history_date", "history_id"):
        key = (entry.history_date, entry.history_user_id, entry.history_change_reason)
        groups.setdefault(key, []).append(entry)
    result = []
    for entries in groups.values():
        first = entries[0]
        names = [
            e.person.name if readable.contains(e.person.region_id) else "其他区域人员"
            for e in entries
        ]
        shown = "、".join(names[:10]) + (f" 等 {len(names)} 人" if len(names) > 10 else "")
        result.append(
            {
                "at": first.history_date,
                "user": str(first.history_user) if first.history_user else "系统",
                "reason": first.history_change_reason or "撤回",
                "changes": [(row_label, shown, "已撤回")],
            }
        )
    return result


@require_GET
def record_detail(request, slug: str, pk: int):
    kind = _kind(slug)
    record = kind.get(request.user, pk)
    history = _history_rows(record)
    if slug in _WITHDRAWABLE:
        history += _withdrawal_rows(record, _WITHDRAWABLE[slug], scope.read_scope(request.user))
        history.sort(key=lambda row: row["at"], reverse=True)
    context = {
        "kind": kind,
        "record": record,
        "fields": _field_rows(kind, record, scope.read_scope(request.user)),
        "history": history,
        "can_edit": access.can_write(request.user) and not record.is_cancelled,
        "cancel_form": CancelForm(),
    }
    extra = _DETAIL_EXTRAS.get(slug)
    if extra is not None:
        context.update(extra(request, record))
        context["extra_template"] = f"engagement/_{slug}_detail.html"
    if slug in {"activities", "trainings"}:
        context.update(invitation_context(request, record, slug, context["can_edit"]))
    return render(request, "engagement/record_detail.html", context)


def _person_picker(request, kind, *, title: str, action: str):
    """Find a person by the person list's search box, then continue with ?person=pk."""
    person_filter = PersonFilter.from_query(request.GET)
    rows, hint = [], ""
    if person_filter.q:
        qs, hint = filtered_persons(request.user, person_filter)
        rows = list(qs.select_related("region")[:PREVIEW_SIZE])
    return render(
        request,
        "engagement/person_picker.html",
        {"kind": kind, "title": title, "action": action, "filter": person_filter,
         "rows": rows, "hint": hint},
    )  # fmt: skip


def record_create(request, slug: str):
    kind = _kind(slug)
    _require_writer(request.user)
    person = None
    if kind.person:
        raw = request.GET.get("person") or request.POST.get("person")
        if not raw:
            return _person_picker(request, kind, title=f"新增{kind.label}：选择人员",
                                  action=reverse("engagement:" + slug + "_create"))  # fmt: skip
        person = person_for_user(request.user, raw, write=True)
    form_class = record_form_class(kind, create=True)
    form = form_class(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        if person is not None:
            data["person"] = person
        try:
            if kind.model is Nomination:
                record = services.nomination_create(
                    actor=request.user, data=data, on_date=form.cleaned_data["on_date"],
                    notes=form.cleaned_data["notes"], request=request,
                )  # fmt: skip
            else:
                record = services.record_create(
                    actor=request.user, model=kind.model, data=data, request=request
                )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"已新增{kind.label}：{record}")
            return redirect("engagement:" + slug + "_detail", pk=record.pk)
    return render(
        request, "engagement/record_form.html", {"kind": kind, "form": form, "person": person}
    )


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def record_edit(request, slug: str, pk: int):
    kind = _kind(slug)
    record = kind.get(request.user, pk, write=True)
    if record.is_cancelled:
        raise Http404
    form_class = record_form_class(kind, create=False)
    form = form_class(request.POST or None, instance=record, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.record_update(
                actor=request.user,
                record=kind.get(request.user, pk, write=True),
                data=form.service_data(),
                expected_version=form.cleaned_data.get("version") or 0,
                request=request,
            )
        except StaleEditError as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, "已保存修改")
            return redirect("engagement:" + slug + "_detail", pk=record.pk)
    return render(
        request,
        "engagement/record_form.html",
        {"kind": kind, "form": form, "record": kind.get(request.user, pk), "person": None},
    )


@require_POST
def record_cancel(request, slug: str, pk: int):
    kind = _kind(slug)
    record = kind.get(request.user, pk, write=True)
    form = CancelForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.record_cancel(actor=request.user, record=record, note=note, request=request)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, f"已撤销：{record}")
    return redirect("engagement:" + slug + "_detail", pk=pk)


# --- detail extras --------------------------------------------------------------------------


def _restrict_persons(user, qs):
    """Rows about persons `user` may see; the others are counted, never named
    (`_outside_count`)."""
    return qs.visible_to(user)


def _participant_page(request, target, rows) -> dict:
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


def _activity_extra(request, activity):
    participants = _restrict_persons(
        request.user,
        activity.participants.select_related("person", "person__region").order_by("id"),
    )
    return {
        **_participant_page(request, activity, participants),
        "participants": participants,
        "roles": ActivityParticipant.Role.choices,
        "attendances": ActivityParticipant.Attendance.choices,
        "attachments": activity.attachments.filter(status=RecordStatus.ACTIVE),
        "attachment_form": AttachmentForm(),
        "bulk_url": reverse("engagement:activities_add_persons", args=[activity.pk]),
    }


def _training_extra(request, training):
    rows = _restrict_persons(
        request.user, training.enrolments.select_related("person", "person__region")
    )
    return {
        **_participant_page(request, training, rows.order_by("id")),
        "attendances": TrainingParticipant.Attendance.choices,
        "bulk_url": reverse("engagement:trainings_add_persons", args=[training.pk]),
    }


def _cluster_extra(request, cluster):
    rows = _restrict_persons(
        request.user, cluster.memberships.select_related("person", "person__region")
    )
    return {
        "memberships": rows.order_by("id")[:200],
        "membership_count": rows.count(),
        "batches": list(services.batches_to_undo(cluster).select_related("added_by")[:5]),
        "organisations": access.organisations_visible_to(request.user).filter(
            cluster=cluster, status=RecordStatus.ACTIVE
        ),
        "bulk_url": reverse("engagement:clusters_add_persons", args=[cluster.pk]),
    }


def _organisation_extra(request, organisation):
    members = _restrict_persons(
        request.user, organisation.members.select_related("person").order_by("status", "role", "id")
    )
    return {
        "members": members,
        "children": access.organisations_visible_to(request.user).filter(parent=organisation),
        "activities": access.activities_visible_to(request.user).filter(
            organisation=organisation, status=RecordStatus.ACTIVE
        ),
    }


def _nomination_extra(request, nomination):
    stage_form = StageForm(initial={"stage": _next_stage_value(nomination)})
    return {
        "stages": nomination.stages.select_related("recorded_by").order_by("date", "id"),
        "stage_form": stage_form,
        "position": getattr(nomination, "position", None),
    }


def _next_stage_value(nomination) -> str:
    from .models import NEXT_STAGE

    next_stage = NEXT_STAGE.get(nomination.stage)
    return next_stage.value if next_stage else ""


_DETAIL_EXTRAS = {
    "activities": _activity_extra,
    "trainings": _training_extra,
    "clusters": _cluster_extra,
    "organisations": _organisation_extra,
    "nominations": _nomination_extra,
}


# --- participants and members ----------------------------------------------------------


def add_persons(request, slug: str, pk: int):
    """Add every person matching a person-list filter to an activity, training or
    cluster in one action (GET: the filter and how many match; POST: add them)."""
    kind = _kind(slug)
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
    target = _kind(slug).get(request.user, pk, write=True)
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
    rows = _restrict_persons(request.user, services.membership_rows(target))
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
    rows = _restrict_persons(
        request.user, services.membership_rows(target).filter(pk__in=chosen)
    ).select_related("person", "person__region")
    count = rows.count()
    form = WithdrawForm(request.POST if request.method == "POST" else None)
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
        "kind": _kind(slug),
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


@require_POST
def training_participant_update(request, pk: int, participant_pk: int):
    """A training participant's attendance and hours, saved from the row (htmx)."""
    training = access.training_for_user(request.user, pk, write=True)
    if training.is_cancelled:
        raise Http404
    rows = _restrict_persons(request.user, training.enrolments.select_related("person"))
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


@require_POST
def participant_update(request, pk: int, participant_pk: int):
    activity = access.activity_for_user(request.user, pk, write=True)
    participant = _restrict_persons(request.user, activity.participants.select_related("person"))
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
    members = _restrict_persons(request.user, organisation.members.all())
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


def person_withdraw(request, slug: str, pk: int, row_pk: int):
    """Take a person added by mistake out of an activity, training, cluster or
    organisation: GET asks for confirmation, POST withdraws."""
    if slug not in _WITHDRAWABLE:
        raise Http404
    kind = _kind(slug)
    target = kind.get(request.user, pk, write=True)
    if target.is_cancelled:
        raise Http404
    rows = _restrict_persons(
        request.user, services.membership_rows(target).select_related("person", "person__region")
    )
    try:
        row = rows.get(pk=row_pk)
    except rows.model.DoesNotExist:
        raise Http404 from None
    # An empty POST is still a confirmation: the reason is optional.
    form = WithdrawForm(request.POST if request.method == "POST" else None)
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
        "row_label": _WITHDRAWABLE[slug],
        "attended": getattr(row, "attendance", "") == ActivityParticipant.Attendance.ATTENDED,
        "form": form,
    }
    return render(request, "engagement/person_withdraw.html", context)


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


# --- nominations --------------------------------------------------------------------------


@require_POST
def nomination_stage(request, pk: int):
    nomination = access.nomination_for_user(request.user, pk, write=True)
    form = StageForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.nomination_advance(
                actor=request.user, nomination=nomination, stage=data["stage"],
                on_date=data["on_date"], responsible_unit=data["responsible_unit"],
                notes=data["notes"], outcome=data["outcome"], request=request,
            )  # fmt: skip
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        else:
            label = Nomination.Stage(data["stage"]).label
            text = f"已进入“{label}”阶段"
            if data["stage"] == Nomination.Stage.APPOINTED:
                text += "，已生成政治安排/社会职务记录"
            messages.success(request, text)
    else:
        messages.error(request, "；".join(f"{form.fields[f].label}：{e[0]}"
                                         for f, e in form.errors.items()))  # fmt: skip
    return redirect("engagement:nominations_detail", pk=pk)


@require_GET
def nomination_board(request):
    _require_reader(request.user)
    qs = access.nominations_visible_to(request.user).filter(status=RecordStatus.ACTIVE)
    region = request.GET.get("region", "")
    if region.isdigit():
        qs = qs.filter(region_id=int(region))
    columns = {stage: [] for stage in Nomination.Stage}
    for nomination in qs.order_by("-updated_at")[:1000]:
        columns[Nomination.Stage(nomination.stage)].append(nomination)
    context = {
        "columns": [(stage.label, stage.value, rows) for stage, rows in columns.items()],
        "regions": scope.readable_regions(request.user),
        "params": request.GET,
        "can_edit": access.can_write(request.user),
    }
    return render(request, "engagement/nomination_board.html", context)


# --- the person's timeline ---------------------------------------------------------------


@require_GET
def person_timeline_panel(request, pk: int):
    _require_reader(request.user)
    person = person_for_user(request.user, pk)
    return render(
        request, "engagement/_timeline.html", {"panel": timeline_context(request, person)}
    )
