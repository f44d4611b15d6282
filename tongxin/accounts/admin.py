from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.shortcuts import redirect

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "role", "is_active", "is_staff", "last_login"]
    list_filter = ["role", "is_active", "is_staff", "is_superuser"]
    search_fields = ["username", "display_name"]
    filter_horizontal = ["regions", "groups", "user_permissions"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("身份与范围", {"fields": ["display_name", "role", "regions"]}),
        (
            "权限",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("时间", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "username",
                    "display_name",
                    "role",
                    "usable_password",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]

    # Accounts are created and passwords set on tongxin's own 用户 pages, whose
    # services apply what the Django admin would skip: the forced change at
    # first login, the password history and the audit entry.
    def has_add_permission(self, request):
        return False

    def user_change_password(self, request, id, form_url=""):
        return redirect("accounts:user_password", pk=id)

    def has_delete_permission(self, request, obj=None):
        # Audit entries and history refer to accounts: deactivate instead.
        return False
