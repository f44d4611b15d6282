from django.contrib import admin

from . import dictionary_admin  # noqa: F401  (registers the reference dictionaries)
from .models import Person


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    """Read-only here: persons change only through the staff UI's services,
    which check region access, versions and write the audit log."""

    list_display = ["name", "region", "group", "level", "status"]
    list_filter = ["level", "status", "region"]
    search_fields = ["name", "name_pinyin"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
