from django.urls import path

from . import views

app_name = "evaluations"
urlpatterns = [
    path("", views.round_list, name="round_list"),
    path("new/", views.round_create, name="round_create"),
    path("new/preview/", views.round_preview, name="round_preview"),
    path("<int:pk>/", views.round_detail, name="round_detail"),
    path("<int:pk>/edit/", views.round_edit, name="round_edit"),
    path("<int:pk>/persons/add/", views.round_persons_add, name="round_persons_add"),
    path("<int:pk>/persons/preview/", views.round_persons_preview, name="round_persons_preview"),
    path(
        "<int:pk>/persons/<int:person_pk>/remove/",
        views.round_person_remove,
        name="round_person_remove",
    ),
    path("<int:pk>/evaluators/add/", views.round_evaluators_add, name="round_evaluators_add"),
    path(
        "<int:pk>/evaluators/<int:user_pk>/remove/",
        views.round_evaluator_remove,
        name="round_evaluator_remove",
    ),
    path("<int:pk>/open/", views.round_open, name="round_open"),
    path("<int:pk>/close/", views.round_close, name="round_close"),
    path("<int:pk>/export/", views.round_export, name="round_export"),
    path("proposals/<int:pk>/decide/", views.proposal_decide, name="proposal_decide"),
    path("mine/", views.my_sheets, name="my_sheets"),
    path("mine/<int:pk>/grid/", views.sheet_grid, name="sheet_grid"),
    path("sheets/<int:pk>/", views.sheet_detail, name="sheet_detail"),
    path("systems/", views.system_list, name="system_list"),
    path("systems/new/", views.system_create, name="system_create"),
    path("systems/<int:pk>/", views.system_detail, name="system_detail"),
    path("systems/<int:pk>/edit/", views.system_edit, name="system_edit"),
    path("systems/<int:pk>/active/", views.system_set_active, name="system_set_active"),
]
