from django.contrib import admin

from .models import Region
from .services import REGION_FIELDS, region_create, region_update


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """Saves through the services of the 区域 pages, so each change leaves its audit entry."""

    list_display = ["code", "name", "kind", "parent", "sort_order", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    ordering = ["sort_order", "code"]
    fields = REGION_FIELDS
    actions = None

    def save_model(self, request, obj, form, change):
        data = {
            name: form.cleaned_data[name] for name in REGION_FIELDS if name in form.cleaned_data
        }
        if change:
            region_update(actor=request.user, region=obj, data=data, request=request)
        else:
            created = region_create(actor=request.user, data=data, request=request)
            # The admin goes on with `obj` (its log entry, the redirect).
            obj.pk = created.pk
            obj._state.adding = False

    def has_delete_permission(self, request, obj=None):
        # Persons, users and audit entries refer to regions: deactivate instead.
        return False
