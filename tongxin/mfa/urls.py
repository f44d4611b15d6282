from django.urls import path

from . import views

app_name = "mfa"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("setup/", views.setup, name="setup"),
    path("verify/", views.verify, name="verify"),
    path("recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("disable/", views.disable, name="disable"),
    path("users/<int:pk>/", views.user_second_factor, name="user"),
    path("users/<int:pk>/reset/", views.user_second_factor_reset, name="user_reset"),
]
