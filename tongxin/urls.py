from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tongxin.accounts.auth_views import LoginView
from tongxin.api.api import audited_urls
from tongxin.api.errors import API_PREFIX
from tongxin.core import views as core_views
from tongxin.dashboard import views as dashboard_views

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("tongxin.accounts.account_urls")),
    path("settings/", core_views.options_edit, name="options"),
    path("help/", core_views.manual_index, name="manual_index"),
    path("help/<slug:page>/", core_views.manual, name="manual"),
    path("persons/", include("tongxin.people.urls")),
    path("dictionaries/", include("tongxin.people.dictionary_urls")),
    path("regions/", include("tongxin.regions.urls")),
    path("users/", include("tongxin.accounts.urls")),
    path("mfa/", include("tongxin.mfa.urls")),
    path("audit/", include("tongxin.audit.urls")),
    path("imports/", include("tongxin.imports.urls")),
    path("reports/", include("tongxin.reports.urls")),
    path("evaluations/", include("tongxin.evaluations.urls")),
    path("engagement/", include("tongxin.engagement.urls")),
    path("service/", include("tongxin.service.urls")),
    path("levels/", include("tongxin.levels.urls")),
    path("flows/", include("tongxin.flows.urls")),
    path("qualification/", include("tongxin.qualification.urls")),
    path("analysis/", include("tongxin.analysis.urls")),
    path("privacy/", include("tongxin.privacy.urls")),
    path(API_PREFIX.lstrip("/"), audited_urls()),
    path("api/clients/", include("tongxin.api.urls")),
    path("dedupe/", include("tongxin.dedupe.urls")),
    path("portal/", include("tongxin.portal.urls")),
    # The persons' own pages, outside the staff login (also served alone by
    # `tongxin serve --portal`, tongxin/portal/root_urls.py).
    path("p/", include("tongxin.portal.person_urls")),
    path("django-admin/", admin.site.urls),
]

# Under /api/v1/ the API's JSON error shape, elsewhere the product's error pages.
handler400 = "tongxin.api.errors.bad_request"
handler403 = "tongxin.api.errors.permission_denied"
handler404 = "tongxin.api.errors.page_not_found"
handler500 = "tongxin.api.errors.server_error"
