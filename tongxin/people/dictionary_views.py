"""Reference-data administration: one set of views for every dictionary kind."""

import copy

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from tongxin.core.access import system_admin_required

from .dictionary_forms import DICTIONARIES, DictionaryKind, dictionary_form_class
from .dictionary_services import dictionary_entry_create, dictionary_entry_update


def _kind(slug: str) -> DictionaryKind:
    try:
        return DICTIONARIES[slug]
    except KeyError:
        raise Http404 from None


def _cell(entry, field: str) -> str:
    value = getattr(entry, field)
    if isinstance(value, bool):
        return "是" if value else "否"
    return "" if value is None else str(value)


@system_admin_required
def dictionary_index(request):
    kinds = []
    for kind in DICTIONARIES.values():
        counts = kind.model.objects.aggregate(
            total=Count("id"), active=Count("id", filter=Q(is_active=True))
        )
        kinds.append({"kind": kind, **counts})
    return render(request, "people/dictionary_index.html", {"kinds": kinds})


@system_admin_required
def dictionary_list(request, slug: str):
    kind = _kind(slug)
    entries = kind.model.objects.annotate(usage_count=Count(kind.usage_relation))
    if "group" in kind.fields:
        entries = entries.select_related("group")
    columns = [str(kind.model._meta.get_field(f).verbose_name) for f in kind.extra_fields]
    rows = [(entry, [_cell(entry, f) for f in kind.extra_fields]) for entry in entries]
    return render(
        request,
        "people/dictionary_list.html",
        {"kind": kind, "columns": columns, "rows": rows},
    )


@system_admin_required
def dictionary_new(request, slug: str):
    kind = _kind(slug)
    form = dictionary_form_class(kind)(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        entry = dictionary_entry_create(
            actor=request.user, model=kind.model, data=form.cleaned_data, request=request
        )
        messages.success(request, f"已在{kind.label}中新增“{entry.name}”。")
        return redirect("dictionaries:list", slug=kind.slug)
    return render(request, "people/dictionary_form.html", {"kind": kind, "form": form})


@system_admin_required
def dictionary_edit(request, slug: str, pk: int):
    kind = _kind(slug)
    entry = get_object_or_404(kind.model, pk=pk)
    # Validating writes the input into the form's instance: keep `entry` as stored.
    form = dictionary_form_class(kind)(request.POST or None, instance=copy.copy(entry), kind=kind)
    if request.method == "POST" and form.is_valid():
        entry = dictionary_entry_update(
            actor=request.user, entry=entry, data=form.cleaned_data, request=request
        )
        messages.success(request, f"已保存{kind.label}“{entry.name}”。")
        return redirect("dictionaries:list", slug=kind.slug)
    return render(
        request, "people/dictionary_form.html", {"kind": kind, "form": form, "entry": entry}
    )
