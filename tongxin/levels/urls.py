from django.urls import path

from . import views

app_name = "levels"
urlpatterns = [
    path("", views.quota_overview, name="quotas"),
    path("quotas/edit/", views.quota_edit, name="quota_edit"),
    path("persons/<int:pk>/level/", views.level_change, name="change"),
    path("review/", views.review_overview, name="review"),
    path("review/start/", views.review_start, name="review_start"),
    path("review/persons/<int:pk>/", views.review_mark, name="review_mark"),
]
