from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("notice/", views.notice, name="notice"),
    path("notice/edit/", views.notice_edit, name="notice_edit"),
    path("persons/<int:pk>/", views.person_rights, name="person"),
    path("persons/<int:pk>/export/", views.person_export, name="export"),
    path("persons/<int:pk>/correct/", views.person_correct, name="correct"),
    path("persons/<int:pk>/erase/", views.person_erase, name="erase"),
]
