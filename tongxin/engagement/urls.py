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
    # activities: the five pages every record type has (views/records.py)
    path("activities/", activities.activity_list, name="activities_list"),
    path("activities/new/", activities.activity_create, name="activities_create"),
    path("activities/<int:pk>/", activities.activity_detail, name="activities_detail"),
    path("activities/<int:pk>/edit/", activities.activity_edit, name="activities_edit"),
    path("activities/<int:pk>/cancel/", activities.activity_cancel, name="activities_cancel"),
    path(
        "activities/<int:pk>/persons/<int:row_pk>/withdraw/",
        activities.activity_withdraw,
        name="activities_withdraw",
    ),
    path(
        "activities/<int:pk>/add-persons/",
        activities.activity_add_persons,
        name="activities_add_persons",
    ),
    path(
        "activities/<int:pk>/withdraw-chosen/",
        activities.activity_withdraw_chosen,
        name="activities_withdraw_chosen",
    ),
    path("activities/<int:pk>/attended/", activities.activity_attended, name="activities_attended"),
    path("activities/<int:pk>/invite/", activities.activity_invite, name="activities_invite"),
    path(
        "activities/<int:pk>/invitations/<int:invitation_pk>/withdraw/",
        activities.activity_invitation_withdraw,
        name="activities_invitation_withdraw",
    ),
    # trainings: the five pages every record type has (views/records.py)
    path("trainings/", trainings.training_list, name="trainings_list"),
    path("trainings/new/", trainings.training_create, name="trainings_create"),
    path("trainings/<int:pk>/", trainings.training_detail, name="trainings_detail"),
    path("trainings/<int:pk>/edit/", trainings.training_edit, name="trainings_edit"),
    path("trainings/<int:pk>/cancel/", trainings.training_cancel, name="trainings_cancel"),
    path(
        "trainings/<int:pk>/persons/<int:row_pk>/withdraw/",
        trainings.training_withdraw,
        name="trainings_withdraw",
    ),
    path(
        "trainings/<int:pk>/add-persons/",
        trainings.training_add_persons,
        name="trainings_add_persons",
    ),
    path(
        "trainings/<int:pk>/withdraw-chosen/",
        trainings.training_withdraw_chosen,
        name="trainings_withdraw_chosen",
    ),
    path("trainings/<int:pk>/attended/", trainings.training_attended, name="trainings_attended"),
    path("trainings/<int:pk>/invite/", trainings.training_invite, name="trainings_invite"),
    path(
        "trainings/<int:pk>/invitations/<int:invitation_pk>/withdraw/",
        trainings.training_invitation_withdraw,
        name="trainings_invitation_withdraw",
    ),
    # secondments: the five pages every record type has (views/records.py)
    path("secondments/", person_records.secondment_list, name="secondments_list"),
    path("secondments/new/", person_records.secondment_create, name="secondments_create"),
    path("secondments/<int:pk>/", person_records.secondment_detail, name="secondments_detail"),
    path("secondments/<int:pk>/edit/", person_records.secondment_edit, name="secondments_edit"),
    path(
        "secondments/<int:pk>/cancel/", person_records.secondment_cancel, name="secondments_cancel"
    ),
    # positions: the five pages every record type has (views/records.py)
    path("positions/", person_records.position_list, name="positions_list"),
    path("positions/new/", person_records.position_create, name="positions_create"),
    path("positions/<int:pk>/", person_records.position_detail, name="positions_detail"),
    path("positions/<int:pk>/edit/", person_records.position_edit, name="positions_edit"),
    path("positions/<int:pk>/cancel/", person_records.position_cancel, name="positions_cancel"),
    # nominations: the five pages every record type has (views/records.py)
    path("nominations/", nominations.nomination_list, name="nominations_list"),
    path("nominations/new/", nominations.nomination_create, name="nominations_create"),
    path("nominations/<int:pk>/", nominations.nomination_detail, name="nominations_detail"),
    path("nominations/<int:pk>/edit/", nominations.nomination_edit, name="nominations_edit"),
    path("nominations/<int:pk>/cancel/", nominations.nomination_cancel, name="nominations_cancel"),
    # honours: the five pages every record type has (views/records.py)
    path("honours/", person_records.honour_list, name="honours_list"),
    path("honours/new/", person_records.honour_create, name="honours_create"),
    path("honours/<int:pk>/", person_records.honour_detail, name="honours_detail"),
    path("honours/<int:pk>/edit/", person_records.honour_edit, name="honours_edit"),
    path("honours/<int:pk>/cancel/", person_records.honour_cancel, name="honours_cancel"),
    # organisations: the five pages every record type has (views/records.py)
    path("organisations/", organisations.organisation_list, name="organisations_list"),
    path("organisations/new/", organisations.organisation_create, name="organisations_create"),
    path("organisations/<int:pk>/", organisations.organisation_detail, name="organisations_detail"),
    path(
        "organisations/<int:pk>/edit/", organisations.organisation_edit, name="organisations_edit"
    ),
    path(
        "organisations/<int:pk>/cancel/",
        organisations.organisation_cancel,
        name="organisations_cancel",
    ),
    path(
        "organisations/<int:pk>/persons/<int:row_pk>/withdraw/",
        organisations.organisation_withdraw,
        name="organisations_withdraw",
    ),
    # clusters: the five pages every record type has (views/records.py)
    path("clusters/", clusters.cluster_list, name="clusters_list"),
    path("clusters/new/", clusters.cluster_create, name="clusters_create"),
    path("clusters/<int:pk>/", clusters.cluster_detail, name="clusters_detail"),
    path("clusters/<int:pk>/edit/", clusters.cluster_edit, name="clusters_edit"),
    path("clusters/<int:pk>/cancel/", clusters.cluster_cancel, name="clusters_cancel"),
    path(
        "clusters/<int:pk>/persons/<int:row_pk>/withdraw/",
        clusters.cluster_withdraw,
        name="clusters_withdraw",
    ),
    path(
        "clusters/<int:pk>/add-persons/", clusters.cluster_add_persons, name="clusters_add_persons"
    ),
    path(
        "clusters/<int:pk>/withdraw-chosen/",
        clusters.cluster_withdraw_chosen,
        name="clusters_withdraw_chosen",
    ),
]
