from django.urls import path

from .views import (
    activities,
    clusters,
    nominations,
    organisations,
    participants,
    person_records,
    trainings,
)

app_name = "engagement"

urlpatterns = [
    path("nominations/board/", nominations.nomination_board, name="nomination_board"),
    path("nominations/<int:pk>/stage/", nominations.nomination_stage, name="nomination_stage"),
    path(
        "activities/<int:pk>/participants/<int:participant_pk>/",
        activities.participant_update,
        name="participant_update",
    ),
    path(
        "activities/<int:pk>/attachments/", activities.attachment_upload, name="attachment_upload"
    ),
    path(
        "activities/<int:pk>/attachments/<int:attachment_pk>/",
        activities.attachment_download,
        name="attachment_download",
    ),
    path(
        "activities/<int:pk>/attachments/<int:attachment_pk>/remove/",
        activities.attachment_remove,
        name="attachment_remove",
    ),
    path(
        "trainings/<int:pk>/participants/<int:participant_pk>/",
        trainings.training_participant_update,
        name="training_participant_update",
    ),
    path("batches/<int:pk>/undo/", participants.batch_undo, name="batch_undo"),
    path("organisations/<int:pk>/members/add/", organisations.member_add, name="member_add"),
    path(
        "organisations/<int:pk>/members/<int:member_pk>/end/",
        organisations.member_end,
        name="member_end",
    ),
    path(
        "persons/<int:pk>/timeline/",
        person_records.person_timeline_panel,
        name="person_timeline",
    ),
    # activities: the pages its views module binds (views/pages.py)
    path("activities/", activities.pages.list, name="activities_list"),
    path("activities/new/", activities.pages.create, name="activities_create"),
    path("activities/<int:pk>/", activities.pages.detail, name="activities_detail"),
    path("activities/<int:pk>/edit/", activities.pages.edit, name="activities_edit"),
    path("activities/<int:pk>/cancel/", activities.pages.cancel, name="activities_cancel"),
    path(
        "activities/<int:pk>/persons/<int:row_pk>/withdraw/",
        activities.pages.withdraw,
        name="activities_withdraw",
    ),
    path(
        "activities/<int:pk>/add-persons/",
        activities.pages.add_persons,
        name="activities_add_persons",
    ),
    path(
        "activities/<int:pk>/withdraw-chosen/",
        activities.pages.withdraw_chosen,
        name="activities_withdraw_chosen",
    ),
    path("activities/<int:pk>/attended/", activities.pages.attended, name="activities_attended"),
    path("activities/<int:pk>/invite/", activities.pages.invite, name="activities_invite"),
    path(
        "activities/<int:pk>/invitations/<int:invitation_pk>/withdraw/",
        activities.pages.invitation_withdraw,
        name="activities_invitation_withdraw",
    ),
    # trainings: the pages its views module binds (views/pages.py)
    path("trainings/", trainings.pages.list, name="trainings_list"),
    path("trainings/new/", trainings.pages.create, name="trainings_create"),
    path("trainings/<int:pk>/", trainings.pages.detail, name="trainings_detail"),
    path("trainings/<int:pk>/edit/", trainings.pages.edit, name="trainings_edit"),
    path("trainings/<int:pk>/cancel/", trainings.pages.cancel, name="trainings_cancel"),
    path(
        "trainings/<int:pk>/persons/<int:row_pk>/withdraw/",
        trainings.pages.withdraw,
        name="trainings_withdraw",
    ),
    path(
        "trainings/<int:pk>/add-persons/",
        trainings.pages.add_persons,
        name="trainings_add_persons",
    ),
    path(
        "trainings/<int:pk>/withdraw-chosen/",
        trainings.pages.withdraw_chosen,
        name="trainings_withdraw_chosen",
    ),
    path("trainings/<int:pk>/attended/", trainings.pages.attended, name="trainings_attended"),
    path("trainings/<int:pk>/invite/", trainings.pages.invite, name="trainings_invite"),
    path(
        "trainings/<int:pk>/invitations/<int:invitation_pk>/withdraw/",
        trainings.pages.invitation_withdraw,
        name="trainings_invitation_withdraw",
    ),
    # secondments: the pages its views module binds (views/pages.py)
    path("secondments/", person_records.secondments.list, name="secondments_list"),
    path("secondments/new/", person_records.secondments.create, name="secondments_create"),
    path("secondments/<int:pk>/", person_records.secondments.detail, name="secondments_detail"),
    path("secondments/<int:pk>/edit/", person_records.secondments.edit, name="secondments_edit"),
    path(
        "secondments/<int:pk>/cancel/", person_records.secondments.cancel, name="secondments_cancel"
    ),
    # positions: the pages its views module binds (views/pages.py)
    path("positions/", person_records.positions.list, name="positions_list"),
    path("positions/new/", person_records.positions.create, name="positions_create"),
    path("positions/<int:pk>/", person_records.positions.detail, name="positions_detail"),
    path("positions/<int:pk>/edit/", person_records.positions.edit, name="positions_edit"),
    path("positions/<int:pk>/cancel/", person_records.positions.cancel, name="positions_cancel"),
    # nominations: the pages its views module binds (views/pages.py)
    path("nominations/", nominations.pages.list, name="nominations_list"),
    path("nominations/new/", nominations.pages.create, name="nominations_create"),
    path("nominations/<int:pk>/", nominations.pages.detail, name="nominations_detail"),
    path("nominations/<int:pk>/edit/", nominations.pages.edit, name="nominations_edit"),
    path("nominations/<int:pk>/cancel/", nominations.pages.cancel, name="nominations_cancel"),
    # honours: the pages its views module binds (views/pages.py)
    path("honours/", person_records.honours.list, name="honours_list"),
    path("honours/new/", person_records.honours.create, name="honours_create"),
    path("honours/<int:pk>/", person_records.honours.detail, name="honours_detail"),
    path("honours/<int:pk>/edit/", person_records.honours.edit, name="honours_edit"),
    path("honours/<int:pk>/cancel/", person_records.honours.cancel, name="honours_cancel"),
    # organisations: the pages its views module binds (views/pages.py)
    path("organisations/", organisations.pages.list, name="organisations_list"),
    path("organisations/new/", organisations.pages.create, name="organisations_create"),
    path("organisations/<int:pk>/", organisations.pages.detail, name="organisations_detail"),
    path("organisations/<int:pk>/edit/", organisations.pages.edit, name="organisations_edit"),
    path(
        "organisations/<int:pk>/cancel/",
        organisations.pages.cancel,
        name="organisations_cancel",
    ),
    path(
        "organisations/<int:pk>/persons/<int:row_pk>/withdraw/",
        organisations.pages.withdraw,
        name="organisations_withdraw",
    ),
    # clusters: the pages its views module binds (views/pages.py)
    path("clusters/", clusters.pages.list, name="clusters_list"),
    path("clusters/new/", clusters.pages.create, name="clusters_create"),
    path("clusters/<int:pk>/", clusters.pages.detail, name="clusters_detail"),
    path("clusters/<int:pk>/edit/", clusters.pages.edit, name="clusters_edit"),
    path("clusters/<int:pk>/cancel/", clusters.pages.cancel, name="clusters_cancel"),
    path(
        "clusters/<int:pk>/persons/<int:row_pk>/withdraw/",
        clusters.pages.withdraw,
        name="clusters_withdraw",
    ),
    path("clusters/<int:pk>/add-persons/", clusters.pages.add_persons, name="clusters_add_persons"),
    path(
        "clusters/<int:pk>/withdraw-chosen/",
        clusters.pages.withdraw_chosen,
        name="clusters_withdraw_chosen",
    ),
]
