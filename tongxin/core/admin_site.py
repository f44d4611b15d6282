"""The Django admin, for superusers only, and the two shapes its ModelAdmins take.

tongxin's own pages are where staff work: they check the region rule, mask
personal identifiers and write the audit log. The admin is a superuser's
back door for reference data, so it must not become a way around any of that
(issue 16):

- only an active superuser gets in; anyone else signed in gets 404 — the
  role 系统管理员 or a leftover `is_staff` flag are not enough — and someone
  not signed in goes to tongxin's own login page (lockout, second factor),
  never the admin's;
- a model is either read-only there (ReadOnlyAdmin: everything the staff UI
  manages, and third-party models whose writes the staff UI audits), or its
  ModelAdmin sends every save through the service the staff UI uses, so the
  same audit row is written (users, regions, dictionaries).
  tongxin/core/tests/test_admin_site.py fails for a registration that is
  neither.

Installed in place of "django.contrib.admin" (settings.INSTALLED_APPS), so
third-party apps register on this site too.
"""

from functools import update_wrapper

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache


class TongxinAdminSite(admin.AdminSite):
    site_header = "同心 · 系统后台（仅限超级用户）"
    site_title = "同心系统后台"
    index_title = "系统后台"

    def has_permission(self, request):
        user = request.user
        return user.is_active and user.is_superuser

    def admin_view(self, view, cacheable=False):
        wrapped = super().admin_view(view, cacheable)

        def inner(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return _to_login(request.get_full_path())
            if not self.has_permission(request):
                # Not even a login form: the admin is not there for them.
                raise Http404
            return wrapped(request, *args, **kwargs)

        return update_wrapper(inner, wrapped)

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        # tongxin's login page counts failures, locks out and asks for the
        # second factor; the admin's would skip that.
        if self.has_permission(request):
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        if request.user.is_authenticated:
            raise Http404
        # Someone not signed in comes here from LoginRequiredMiddleware with
        # the admin page they asked for; only an admin page is passed on.
        index = reverse("admin:index", current_app=self.name)
        next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
        return _to_login(next_url if next_url.startswith(index) else index)

    def password_change(self, request, extra_context=None):
        # The account page keeps the password history and writes the audit entry.
        return HttpResponseRedirect(reverse("account:password_change"))


def _to_login(next_url: str):
    # Not at module level: this module is loaded with the app registry.
    from django.contrib.auth.views import redirect_to_login

    return redirect_to_login(next_url, settings.LOGIN_URL)


class TongxinAdminConfig(AdminConfig):
    default_site = "tongxin.core.admin_site.TongxinAdminSite"


class ReadOnlyAdminMixin:
    """Viewable only: the model changes on tongxin's own pages (or not at all)."""

    actions = None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass


def is_read_only(model_admin: admin.ModelAdmin, request) -> bool:
    return not (
        model_admin.has_add_permission(request)
        or model_admin.has_change_permission(request)
        or model_admin.has_delete_permission(request)
    )
