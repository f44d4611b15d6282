from django.urls import path

from . import views

app_name = "evaluations"
urlpatterns = [
    path("", views.round_list, name="round_list"),
    path("new/", views.round_create, name="round_create"),
    path("<int:pk>/", views.round_detail, name="round_detail"),
    path("<int:pk>/open/", views.round_open, name="round_open"),
    path("<int:pk>/close/", views.round_close, name="round_close"),
    path("<int:pk>/export/", views.round_export, name="round_export"),
    path("proposals/<int:pk>/decide/", views.proposal_decide, name="proposal_decide"),
    path("mine/", views.my_sheets, name="my_sheets"),
    path("sheets/<int:pk>/", views.sheet_detail, name="sheet_detail"),
    path("systems/", views.system_list, name="system_list"),
    path("systems/new/", views.system_create, name="system_create"),
    path("systems/<int:pk>/", views.system_detail, name="system_detail"),
    path("systems/<int:pk>/edit/", views.system_edit, name="system_edit"),
    path("systems/<int:pk>/active/", views.system_set_active, name="system_set_active"),
]
