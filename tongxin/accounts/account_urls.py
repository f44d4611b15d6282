"""One's own account, for every signed-in user (mounted at /account/)."""

from django.urls import path

from . import views

app_name = "account"
urlpatterns = [
    path("", views.account_security, name="security"),
    path("password/", views.password_change, name="password_change"),
    path("logout-everywhere/", views.logout_everywhere, name="logout_everywhere"),
]
