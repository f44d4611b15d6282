"""What each reference-data dictionary lets an administrator edit.

One registry drives one set of views, forms and templates for every kind: the
six person dictionaries here, and those other apps add with
`register_dictionary_kinds` from their AppConfig.ready().
"""

from dataclasses import dataclass

from django import forms
from django.db import models
from django.db.models import Q
from django.forms import modelform_factory

from tongxin.core.forms import BootstrapModelForm

from .models import Degree, Education, Ethnicity, PersonGroup, PoliticalStatus, SubCategory


@dataclass(frozen=True)
class DictionaryKind:
    slug: str
    model: type[models.Model]
    label: str
    fields: tuple[str, ...]
    # The name must be unique among entries sharing these fields (e.g. the group).
    unique_within: tuple[str, ...] = ()
    # The reverse relation of the records that use an entry, counted in the list.
    usage_relation: str = "person"
    usage_label: str = "引用人数"

    @property
    def extra_fields(self) -> tuple[str, ...]:
        """Fields shown as their own list columns besides the common ones."""
        common = {"name", "synonyms", "sort_order", "is_active"}
        return tuple(f for f in self.fields if f not in common)


_COMMON = ("name", "synonyms", "sort_order", "is_active")

DICTIONARIES: dict[str, DictionaryKind] = {
    kind.slug: kind
    for kind in [
        DictionaryKind("ethnicities", Ethnicity, "民族", _COMMON),
        DictionaryKind(
            "political-statuses",
            PoliticalStatus,
            "政治面貌",
            ("name", "is_cpc", "synonyms", "sort_order", "is_active"),
        ),
        DictionaryKind("educations", Education, "学历", _COMMON),
        DictionaryKind("degrees", Degree, "学位", _COMMON),
        DictionaryKind(
            "groups",
            PersonGroup,
            "人员类别",
            ("name", "short_name", "is_freelance", "synonyms", "sort_order", "is_active"),
        ),
        DictionaryKind(
            "subcategories",
            SubCategory,
            "细分类别",
            ("group", "name", "examples", "synonyms", "sort_order", "is_active"),
            unique_within=("group",),
        ),
    ]
}


def register_dictionary_kinds(*kinds: DictionaryKind) -> None:
    """Let another app's dictionaries (activity types, request categories …) be
    edited on the same pages. Call from the app's AppConfig.ready()."""
    for kind in kinds:
        if DICTIONARIES.get(kind.slug, kind) != kind:
            raise ValueError(f"Dictionary slug {kind.slug!r} is already registered.")
        DICTIONARIES[kind.slug] = kind


DISABLE_HELP = "条目不能删除；不再使用的请停用，停用后不能再选用，已有记录保留。"


class DictionaryEntryForm(BootstrapModelForm):
    def __init__(self, *args, kind: DictionaryKind, **kwargs):
        self.kind = kind
        super().__init__(*args, **kwargs)
        if "group" in self.fields:
            current = self.instance.group_id if self.instance.pk else None
            self.fields["group"].queryset = PersonGroup.objects.filter(
                Q(is_active=True) | Q(pk=current)
            )
            self.fields["group"].empty_label = "请选择"
        if "is_active" in self.fields:
            self.fields["is_active"].help_text = DISABLE_HELP

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("name")
        scope = {field: cleaned.get(field) for field in self.kind.unique_within}
        if not name or None in scope.values():
            return cleaned
        taken = (
            self.kind.model.objects.filter(name=name, **scope).exclude(pk=self.instance.pk).exists()
        )
        if taken:
            if scope.get("group") is not None:
                message = f"“{scope['group']}”下已有“{name}”，名称不能重复。"
            else:
                message = f"{self.kind.label}中已有“{name}”，名称不能重复。"
            self.add_error("name", forms.ValidationError(message, code="unique"))
        return cleaned

    def validate_unique(self):
        # clean() checks the name and says so in Chinese next to the field.
        pass


def dictionary_form_class(kind: DictionaryKind) -> type[DictionaryEntryForm]:
    return modelform_factory(
        kind.model,
        form=DictionaryEntryForm,
        fields=list(kind.fields),
        error_messages={
            "name": {"required": "请填写名称。"},
            "group": {"required": "请选择所属类别。"},
        },
    )
