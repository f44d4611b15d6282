from django.urls import path

from .views import round_drafts, rounds, sheets, systems

app_name = "evaluations"
urlpatterns = [
    path("", rounds.round_list, name="round_list"),
    path("new/", rounds.round_create, name="round_create"),
    path("new/preview/", rounds.round_preview, name="round_preview"),
    path("<int:pk>/", rounds.round_detail, name="round_detail"),
    path("<int:pk>/edit/", round_drafts.round_edit, name="round_edit"),
    path("<int:pk>/persons/add/", round_drafts.round_persons_add, name="round_persons_add"),
    path(
        "<int:pk>/persons/preview/",
        round_drafts.round_persons_preview,
        name="round_persons_preview",
    ),
    path(
        "<int:pk>/persons/<int:person_pk>/remove/",
        round_drafts.round_person_remove,
        name="round_person_remove",
    ),
    path(
        "<int:pk>/evaluators/add/", round_drafts.round_evaluators_add, name="round_evaluators_add"
    ),
    path(
        "<int:pk>/evaluators/<int:user_pk>/remove/",
        round_drafts.round_evaluator_remove,
        name="round_evaluator_remove",
    ),
    path("<int:pk>/open/", rounds.round_open, name="round_open"),
    path("<int:pk>/close/", rounds.round_close, name="round_close"),
    path("<int:pk>/export/", rounds.round_export, name="round_export"),
    path("proposals/<int:pk>/decide/", rounds.proposal_decide, name="proposal_decide"),
    path("mine/", sheets.my_sheets, name="my_sheets"),
    path("mine/<int:pk>/grid/", sheets.sheet_grid, name="sheet_grid"),
    path("sheets/<int:pk>/", sheets.sheet_detail, name="sheet_detail"),
    path("systems/", systems.system_list, name="system_list"),
    path("systems/new/", systems.system_create, name="system_create"),
    path("systems/<int:pk>/", systems.system_detail, name="system_detail"),
    path("systems/<int:pk>/edit/", systems.system_edit, name="system_edit"),
    path("systems/<int:pk>/active/", systems.system_set_active, name="system_set_active"),
]
