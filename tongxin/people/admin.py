from django.contrib import admin

from tongxin.core.admin_site import ReadOnlyAdmin

from . import dictionary_admin  # noqa: F401  (registers the reference dictionaries)
from .models import IDENTIFIER_FIELDS, PERSON_FORM_FIELDS, Person

# The record as the person page shows it, identifiers masked: the admin has
# no 显示完整号码 and so no reveal entry in the audit log to write.
PERSON_ADMIN_FIELDS = [
    f"masked_{name}" if name in IDENTIFIER_FIELDS else name for name in PERSON_FORM_FIELDS
] + ["status", "archived_reason", "archived_on", "archived_note", "version", "created_at"]


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    """Read-only here: persons change only through the staff UI's services,
    which check region access, versions and write the audit log."""

    list_display = ["name", "region", "group", "level", "status", "masked_id_number"]
    list_filter = ["level", "status", "region"]
    search_fields = ["name", "name_pinyin"]
    list_select_related = ["region", "group"]
    fields = PERSON_ADMIN_FIELDS
    readonly_fields = PERSON_ADMIN_FIELDS

    @admin.display(description="公民身份号码")
    def masked_id_number(self, person):
        return person.masked_id_number

    @admin.display(description="联系电话")
    def masked_mobile(self, person):
        return person.masked_mobile or "—"
