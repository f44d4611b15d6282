from django.urls import path

from . import dictionary_views as views

app_name = "dictionaries"
urlpatterns = [
    path("", views.dictionary_index, name="index"),
    path("<slug:slug>/", views.dictionary_list, name="list"),
    path("<slug:slug>/new/", views.dictionary_new, name="create"),
    path("<slug:slug>/<int:pk>/edit/", views.dictionary_edit, name="edit"),
]
