"""Staff pages (under /portal/ of the staff UI)."""

from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("changes/", views.change_list, name="change_list"),
    path("changes/<int:pk>/", views.change_detail, name="change_detail"),
    path("changes/<int:pk>/photo/<int:item_pk>/", views.change_photo, name="change_photo"),
    path("links/", views.link_list, name="link_list"),
    path("links/new/", views.link_issue, name="link_issue"),
    path("links/letter/", views.link_letter, name="link_letter"),
    path("links/batch/", views.link_batch, name="link_batch"),
    path("links/<int:pk>/revoke/", views.link_revoke, name="link_revoke"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
]
