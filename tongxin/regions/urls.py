from django.urls import path

from . import views

app_name = "regions"
urlpatterns = [
    path("", views.region_list, name="list"),
    path("new/", views.region_new, name="create"),
    path("<int:pk>/edit/", views.region_edit, name="edit"),
]
