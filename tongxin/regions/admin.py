from django.contrib import admin

from .models import Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "sort_order", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    ordering = ["sort_order", "code"]

    def has_delete_permission(self, request, obj=None):
        # Persons, users and audit entries refer to regions: deactivate instead.
        return False
