from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("new/", views.person_create, name="create"),
    path("bulk/", views.person_bulk, name="bulk"),
    path("subcategories/", views.subcategory_options, name="subcategory_options"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/edit/", views.person_edit, name="edit"),
    path("<int:pk>/archive/", views.person_archive, name="archive"),
    path("<int:pk>/restore/", views.person_restore, name="restore"),
    path("<int:pk>/reveal/", views.person_reveal, name="reveal"),
    path("<int:pk>/photo/", views.person_photo, name="photo"),
]
