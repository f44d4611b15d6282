"""The filter bar of every record list (django-filter), one FilterSet per
record type built from its `Kind`: the text box (`q`, the kind's search
fields), the region (its subtree), the status (active unless asked), the
kind's <select> filters, and for positions 现任 (`current=1`). The query
strings are those of the hand-written parser this replaced, so saved links
keep working; an invalid condition is left out, as before."""

import django_filters
from django import forms
from django.db.models import Q

from tongxin.core.forms import BootstrapForm
from tongxin.regions import scope

from .kinds import Kind
from .models import RecordStatus, current_positions_q


class IdFilter(django_filters.Filter):
    """A row id from a <select> (a region, an organisation, a dictionary entry)."""

    field_class = forms.IntegerField


class RecordFilter(django_filters.FilterSet):
    """What every record list shares; `record_filter(kind)` adds the kind's own."""

    record_kind: Kind  # set on each kind's subclass

    q = django_filters.CharFilter(method="filter_text")
    region = IdFilter(method="filter_region")
    status = django_filters.CharFilter(method="filter_status")

    class Meta:
        form = BootstrapForm
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        # No status in the query means the active records; "all" (or any other
        # value) means every status.
        if data is not None and "status" not in data:
            data = data.copy()
            data["status"] = RecordStatus.ACTIVE
        super().__init__(data, *args, **kwargs)

    def filter_text(self, queryset, name, value):
        condition = Q()
        for field in self.record_kind.search:
            condition |= Q(**{f"{field}__icontains": value[:100]})
        return queryset.filter(condition)

    def filter_region(self, queryset, name, value):
        return scope.subtree_of(value).filter(queryset)  # a region means its subtree

    def filter_status(self, queryset, name, value):
        return queryset.filter(status=value) if value in RecordStatus.values else queryset

    def filter_current(self, queryset, name, value):
        return queryset.filter(current_positions_q()) if value == "1" else queryset


_BUILT: dict[str, type[RecordFilter]] = {}


def record_filter(kind: Kind) -> type[RecordFilter]:
    """The FilterSet of `kind`'s list: the shared filters and one per
    `kind.filters` field (a relation by its id, a choice by its value)."""
    if kind.slug not in _BUILT:
        _BUILT[kind.slug] = _build(kind)
    return _BUILT[kind.slug]


def _build(kind: Kind) -> type[RecordFilter]:
    own = {}
    for name in kind.filters:
        field = kind.model._meta.get_field(name)
        if field.is_relation:
            own[name] = IdFilter(field_name=f"{name}_id")
        else:
            own[name] = django_filters.ChoiceFilter(field_name=name, choices=field.choices)
    if kind.slug == "positions":
        own["current"] = django_filters.CharFilter(method="filter_current")
    meta = type("Meta", (RecordFilter.Meta,), {"model": kind.model, "fields": []})
    name = f"{kind.model.__name__}Filter"
    return type(name, (RecordFilter,), {**own, "record_kind": kind, "Meta": meta})


class NominationBoardFilter(django_filters.FilterSet):
    """The board's one filter: the nominations of exactly one region (the
    board shows a region's own pipeline, not its subtree's)."""

    region = IdFilter(field_name="region_id")

    class Meta:
        form = BootstrapForm
        fields: list[str] = []
