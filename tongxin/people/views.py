from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tongxin.core.downloads import private_file_response
from tongxin.core.forms import posted
from tongxin.core.hooks import collect
from tongxin.regions import scope

from . import services
from .access import person_for_user, regions_writable_by
from .bulk import BULK_ACTIONS, CONFIRM_ABOVE, Selection, actions_for
from .forms import ArchiveForm, PersonForm, RestoreForm
from .history import person_history
from .kept import person_groups, subcategories
from .keyset import SORTS, keyset_page
from .listing import (
    PersonFilter,
    attach_labels,
    count_filtered,
    filtered_persons,
)
from .models import Person, SubCategory


def _require_editor(user) -> None:
    if not scope.writes_records(user):
        raise Http404


@require_GET
def person_list(request):
    person_filter = PersonFilter.from_query(request.GET)
    qs, hint = filtered_persons(request.user, person_filter, paged=True)
    page = keyset_page(
        qs,
        person_filter.sort,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
        size=settings.PAGE_SIZE,
    )
    # Not joined: with the joins PostgreSQL misjudged deep pages sorted by
    # name and sorted 10,000 rows (60 ms); these tables hold a few rows,
    # kept in memory (core/kept_tables.py).
    attach_labels(page.rows)
    context = {
        "filter": person_filter,
        "page": page,
        "total": count_filtered(request.user, person_filter),
        "hint": hint,
        "sorts": [(key, label) for key, (_, _, label) in SORTS.items()],
        "regions": scope.read_scope(request.user).region_rows(),
        "groups": person_groups(),
        "subcategories": subcategories(),
        "levels": Person.Level.choices,
        "statuses": Person.Status.choices,
        "can_edit": request.user.can_edit_persons,
        "bulk_actions": actions_for(request.user),
    }
    template = "people/_person_table.html" if request.htmx else "people/person_list.html"
    return render(request, template, context)


def _list_url(selection: Selection) -> str:
    """The list the selection was made on: its filter, without the ticked rows."""
    query = selection.person_filter.as_query()
    query.pop("ids", None)
    return f"{reverse('people:list')}?{urlencode(query)}"


@require_http_methods(["GET", "POST"])
def person_bulk(request):
    """One action on the persons chosen on the list (GET: how many and the
    action's inputs; POST: run it). More than CONFIRM_ABOVE persons are run
    only with `confirm` equal to the number shown, so a filter that grew
    between the two requests asks again."""
    params = request.POST if request.method == "POST" else request.GET
    action = BULK_ACTIONS.get(params.get("action", ""))
    if action is None or not action.allowed(request.user):
        raise Http404
    selection = Selection.from_params(params)
    persons = selection.persons(request.user, write=action.writes)
    count = persons.count()
    form = None
    if action.form_class is not None:
        # Prefixed: the action's "level" is not the list filter's "level".
        form = action.form_class(posted(request), user=request.user, prefix="do")
    errors = list(selection.errors)
    if request.method == "POST" and not errors:
        # The inputs are checked first, so one round trip shows every problem.
        inputs_valid = form is None or form.is_valid()
        if count == 0:
            errors.append("所选人员中没有您可以处理的人员")
        elif count > CONFIRM_ABOVE and params.get("confirm") != str(count):
            errors.append(f"本次将处理 {count} 人，请勾选确认后再提交")
        elif inputs_valid:
            try:
                result = action.run(
                    request=request,
                    selection=selection,
                    persons=persons,
                    data=form.cleaned_data if form else {},
                )
            except (ValueError, ValidationError, services.StaleEditError) as error:
                errors.extend(getattr(error, "messages", None) or [str(error)])
            else:
                if result.message:
                    messages.success(request, result.message)
                return redirect(result.redirect_to or _list_url(selection))
    context = {
        "action": action,
        "selection": selection,
        "count": count,
        "preview": list(persons.select_related("region").order_by("-id")[:20]),
        "form": form,
        "errors": errors,
        "needs_confirm": count > CONFIRM_ABOVE,
        "confirm_above": CONFIRM_ABOVE,
        "back_url": _list_url(selection),
    }
    return render(request, "people/person_bulk.html", context)


@require_GET
def person_detail(request, pk: int):
    person = person_for_user(request.user, pk, checks=dict(collect("person_presence", request)))
    services.person_viewed(actor=request.user, person=person, request=request)
    context = {
        "person": person,
        "history": person_history(person),
        "archive_form": ArchiveForm(
            initial={"on_date": timezone.localdate(), "version": person.version}
        ),
        "restore_form": RestoreForm(initial={"version": person.version}),
        "can_edit": request.user.can_edit_persons,
        "can_reveal": request.user.can_reveal_identifiers,
        "panels": collect("person_panels", request, person),
    }
    return render(request, "people/person_detail.html", context)


def person_create(request):
    _require_editor(request.user)
    if not regions_writable_by(request.user).exists():
        raise PermissionDenied
    form = PersonForm(request.POST or None, request.FILES or None, user=request.user)
    matches = []
    if request.method == "POST" and form.is_valid():
        data = form.changed_data_for_service()
        # Apps that know who may already be registered (dedupe) are asked
        # first; the user saves anyway after checking them.
        if not request.POST.get("confirm_possible_duplicate"):
            matches = collect("person_entry_matches", request.user, data)
        if not matches:
            person = services.person_create(
                actor=request.user, data=data, request=request, unread=form.unread
            )
            messages.success(request, f"已登记：{person.name}")
            for warning in form.warnings:
                messages.warning(request, warning)
            return redirect("people:detail", pk=person.pk)
    context = {
        "form": form,
        "person": None,
        "possible_duplicates": matches,
        "registered_elsewhere": getattr(form, "registered_elsewhere", ""),
    }
    return render(request, "people/person_form.html", context)


def person_edit(request, pk: int):
    person = person_for_user(request.user, pk, write=True)
    form = PersonForm(
        request.POST or None, request.FILES or None, instance=person, user=request.user
    )
    stale = None
    if request.method == "POST" and form.is_valid():
        expected = form.cleaned_data.get("version") or 0
        try:
            person = services.person_update(
                actor=request.user,
                person=person,
                data=form.changed_data_for_service(),
                expected_version=expected,
                request=request,
            )
        except services.StaleEditError as error:
            stale = error
        else:
            messages.success(request, "已保存修改")
            for warning in form.warnings:
                messages.warning(request, warning)
            return redirect("people:detail", pk=person.pk)
    if request.method == "GET":
        # The form shows the full ID and mobile, so opening it counts as a reveal.
        services.person_reveal(actor=request.user, person=person, request=request, context="编辑")
    if request.method == "POST" and not form.is_valid():
        # The instance was mutated by ModelForm validation; reload it for the page header.
        person = person_for_user(request.user, pk, write=True)
    return render(
        request,
        "people/person_form.html",
        {"form": form, "person": person, "stale": stale},
        status=409 if stale else 200,
    )


@require_POST
def person_archive(request, pk: int):
    person = person_for_user(request.user, pk, write=True)
    form = ArchiveForm(request.POST)
    if form.is_valid():
        try:
            services.person_archive(
                actor=request.user,
                person=person,
                reason=form.cleaned_data["reason"],
                on_date=form.cleaned_data["on_date"],
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
                request=request,
            )
        except services.StaleEditError:
            messages.error(request, "出库未执行：该人员信息已被他人修改，请核对后重试。")
        except ValueError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{person.name} 已出库")
        return redirect("people:detail", pk=person.pk)
    context = {
        "person": person,
        "history": person_history(person),
        "archive_form": form,
        "restore_form": RestoreForm(initial={"version": person.version}),
        "can_edit": True,
        "can_reveal": request.user.can_reveal_identifiers,
        "show_archive": True,
        "panels": collect("person_panels", request, person),
    }
    return render(request, "people/person_detail.html", context, status=400)


@require_POST
def person_restore(request, pk: int):
    person = person_for_user(request.user, pk, write=True)
    form = RestoreForm(request.POST)
    valid = form.is_valid()
    try:
        services.person_restore(
            actor=request.user,
            person=person,
            note=form.cleaned_data["note"] if valid else "",
            expected_version=form.cleaned_data["version"] if valid else None,
            request=request,
        )
    except services.StaleEditError:
        messages.error(request, "恢复未执行：该人员信息已被他人修改，请核对后重试。")
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{person.name} 已恢复入库")
    return redirect("people:detail", pk=person.pk)


@require_POST
def person_reveal(request, pk: int):
    person = person_for_user(request.user, pk)
    if not request.user.can_reveal_identifiers:
        raise Http404
    identifiers = services.person_reveal(actor=request.user, person=person, request=request)
    html = render_to_string(
        "people/_identifiers.html", {"person": person, "revealed": identifiers}, request=request
    )
    return HttpResponse(html)


@require_GET
def person_photo(request, pk: int):
    person = person_for_user(request.user, pk)
    if not person.photo:
        raise Http404
    return private_file_response(person.photo)


@require_GET
def subcategory_options(request):
    """<option>s of the chosen group's subcategories, for the form's htmx swap."""
    group_id = request.GET.get("group") or ""
    options = (
        SubCategory.objects.filter(is_active=True, group_id=group_id) if group_id.isdigit() else []
    )
    return render(request, "people/_subcategory_options.html", {"options": options})
