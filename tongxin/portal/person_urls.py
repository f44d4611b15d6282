"""The person's own pages (under /p/, in the staff process and the portal process alike)."""

from django.urls import path

from . import person_views as views

app_name = "me"
urlpatterns = [
    path("", views.home, name="home"),
    path("l/<str:token>/", views.open_link, name="open"),
    path("update/", views.update, name="update"),
    path("unchanged/", views.confirm_unchanged, name="unchanged"),
    path("photo/", views.photo, name="photo"),
    path("download/", views.download, name="download"),
    path("requests/new/", views.request_new, name="request_new"),
    path("suggestions/new/", views.suggestion_new, name="suggestion_new"),
    path("invitations/answer/", views.invitation_answer, name="invitation_answer"),
    path("notice/", views.notice, name="notice"),
    path("sign-out/", views.sign_out, name="sign_out"),
]
