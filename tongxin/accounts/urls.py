from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.user_list, name="user_list"),
    path("new/", views.user_new, name="user_create"),
    path("<int:pk>/edit/", views.user_edit, name="user_edit"),
    path("<int:pk>/password/", views.user_password, name="user_password"),
    path("login-locks/", views.login_locks, name="login_locks"),
    path("login-locks/lift/", views.login_lock_lift, name="login_lock_lift"),
]
