from django.urls import path

from . import views

app_name = "qualification"
urlpatterns = [
    path("", views.eligibility_report, name="report"),
    path("export/", views.eligibility_export, name="export"),
    path("conditions/", views.condition_list, name="conditions"),
    path("conditions/new/", views.condition_create, name="condition_create"),
    path("conditions/<int:pk>/", views.condition_edit, name="condition_edit"),
]
