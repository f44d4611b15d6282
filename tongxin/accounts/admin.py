from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.shortcuts import redirect

from tongxin.core.admin_site import ReadOnlyAdminMixin

from .models import User
from .services import check_user_update, user_update

# What the admin may change on an account: exactly what tongxin's 用户 page
# changes, saved by the same service (user_update), so the same audit entry
# is written. Superuser status is given on the command line
# (`tongxin createsuperuser`); groups and permissions are not used by tongxin.
USER_ADMIN_FIELDS = ["display_name", "role", "regions", "is_active"]


class UserAdminForm(DjangoUserAdmin.form):
    actor: User  # set by UserAdmin.get_form

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            check_user_update(
                actor=self.actor,
                user=self.instance,
                role=cleaned["role"],
                is_active=cleaned["is_active"],
                regions=cleaned["regions"],
            )
        return cleaned


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserAdminForm
    list_display = ["username", "display_name", "role", "is_active", "is_superuser", "last_login"]
    list_filter = ["role", "is_active", "is_superuser"]
    search_fields = ["username", "display_name"]
    filter_horizontal = ["regions"]
    readonly_fields = [
        "username",
        "is_staff",
        "is_superuser",
        "groups",
        "user_permissions",
        "last_login",
        "date_joined",
    ]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("身份与范围", {"fields": ["display_name", "role", "regions"]}),
        (
            "权限",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("时间", {"fields": ["last_login", "date_joined"]}),
    ]
    actions = None

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in USER_ADMIN_FIELDS}
        user_update(actor=request.user, user=obj, data=data, request=request)

    def save_related(self, request, form, formsets, change):
        # user_update has set the regions, the only many-to-many field editable here.
        pass

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


# Read-only: login locks are lifted on tongxin's 登录锁定 page, which writes
# the audit entry (services.login_lock_release); deleting an attempt here
# would lift one unrecorded. Groups grant nothing in tongxin (roles do).
for model, model_admin in [
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
    (Group, DjangoGroupAdmin),
]:
    admin.site.unregister(model)
    admin.site.register(
        model,
        type(model_admin.__name__, (ReadOnlyAdminMixin, model_admin), {"__module__": __name__}),
    )
