"""Django-admin registration of the reference-data dictionaries.

Imported from people/admin.py (`from . import dictionary_admin  # noqa: F401`).
Saves go through the services of the 字典 pages (dictionary_services.py), so
each change leaves the same audit entry. Entries are never deleted there
either: persons refer to them.
"""

from django.contrib import admin

from .dictionary_services import dictionary_entry_create, dictionary_entry_update
from .models import Degree, Education, Ethnicity, PersonGroup, PoliticalStatus, SubCategory


class DictionaryEntryAdmin(admin.ModelAdmin):
    list_display = ["name", "synonyms", "sort_order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "synonyms"]
    actions = None

    def save_model(self, request, obj, form, change):
        data = dict(form.cleaned_data)
        if change:
            dictionary_entry_update(actor=request.user, entry=obj, data=data, request=request)
        else:
            created = dictionary_entry_create(
                actor=request.user, model=type(obj), data=data, request=request
            )
            # The admin goes on with `obj` (its log entry, the redirect).
            obj.pk = created.pk
            obj._state.adding = False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register([Ethnicity, Education, Degree], DictionaryEntryAdmin)


@admin.register(PoliticalStatus)
class PoliticalStatusAdmin(DictionaryEntryAdmin):
    list_display = ["name", "is_cpc", "synonyms", "sort_order", "is_active"]


@admin.register(PersonGroup)
class PersonGroupAdmin(DictionaryEntryAdmin):
    list_display = ["name", "short_name", "is_freelance", "sort_order", "is_active"]


@admin.register(SubCategory)
class SubCategoryAdmin(DictionaryEntryAdmin):
    list_display = ["name", "group", "examples", "sort_order", "is_active"]
    list_filter = ["group", "is_active"]
    search_fields = ["name", "synonyms", "examples"]
