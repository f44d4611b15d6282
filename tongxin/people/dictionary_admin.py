"""Django-admin registration of the reference-data dictionaries.

Imported from people/admin.py (`from . import dictionary_admin  # noqa: F401`).
Entries are never deleted there either: persons refer to them.
"""

from django.contrib import admin

from .models import Degree, Education, Ethnicity, PersonGroup, PoliticalStatus, SubCategory


class DictionaryEntryAdmin(admin.ModelAdmin):
    list_display = ["name", "synonyms", "sort_order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "synonyms"]

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
