from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tongxin.core.admin_site import ReadOnlyAdmin


class DeviceAdmin(ReadOnlyAdmin):
    """Which accounts have an authenticator, and nothing secret.

    django-otp's own admin shows TOTP settings and the backup codes (stored in
    clear) and can add or remove devices unrecorded; tongxin's 两步验证 pages
    do that with an audit entry (tongxin/mfa/services.py).
    """

    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username", "user__display_name"]
    list_select_related = ["user"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at"]


for model in (TOTPDevice, StaticDevice):
    admin.site.unregister(model)
    admin.site.register(model, DeviceAdmin)
