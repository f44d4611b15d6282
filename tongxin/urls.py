from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tongxin.accounts.auth_views import LoginView
from tongxin.dashboard import views as dashboard_views

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("tongxin.accounts.account_urls")),
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
    path("django-admin/", admin.site.urls),
]
