"""The five generic pages of every record type (`kinds.KINDS`): list, detail,
create, edit, cancel. Each type's named views (activities.py, trainings.py, …)
call them with their slug."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from tongxin.core.paging import number_page
from tongxin.core.writes import StaleEditError
from tongxin.people.access import person_for_user
from tongxin.people.listing import PersonFilter, filtered_persons
from tongxin.regions import scope

from .. import access, services
from ..filters import record_filter
from ..forms import (
    CancelForm,
    record_form_class,
)
from ..models import (
    Nomination,
    RecordStatus,
)
from ..person_pick import PREVIEW_SIZE
from .common import (
    WITHDRAWABLE,
    cell,
    form_errors,
    kind_for,
    require_reader,
    require_writer,
)
from .invitations import invitation_context


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


def _filtered(kind, request):
    qs = record_filter(kind)(request.GET, queryset=kind.visible(request.user), request=request).qs
    if kind.annotate:
        # Counts of persons count those inside the user's scope (the list says so).
        qs = qs.annotate(**kind.annotate(scope.read_scope(request.user)))
    return qs


@require_GET
def record_list(request, slug: str):
    kind = kind_for(slug)
    require_reader(request.user)
    qs = _filtered(kind, request)
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
def record_detail(request, slug: str, pk: int, extra=None):
    """The record's fields and history; `extra(request, record)` adds what the
    type's own box (`engagement/_<slug>_detail.html`) draws."""
    kind = kind_for(slug)
    record = kind.get(request.user, pk)
    history = _history_rows(record)
    if slug in WITHDRAWABLE:
        history += _withdrawal_rows(record, WITHDRAWABLE[slug], scope.read_scope(request.user))
        history.sort(key=lambda row: row["at"], reverse=True)
    context = {
        "kind": kind,
        "record": record,
        "fields": _field_rows(kind, record, scope.read_scope(request.user)),
        "history": history,
        "can_edit": access.can_write(request.user) and not record.is_cancelled,
        "cancel_form": CancelForm(),
    }
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
    kind = kind_for(slug)
    require_writer(request.user)
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
            form_errors(form, error)
        else:
            messages.success(request, f"已新增{kind.label}：{record}")
            return redirect("engagement:" + slug + "_detail", pk=record.pk)
    return render(
        request, "engagement/record_form.html", {"kind": kind, "form": form, "person": person}
    )


def record_edit(request, slug: str, pk: int):
    kind = kind_for(slug)
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
            form_errors(form, error)
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
    kind = kind_for(slug)
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
