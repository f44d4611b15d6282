from django.urls import path

from . import invitation_views, views
from .kinds import KINDS

app_name = "engagement"

urlpatterns = [
    path("nominations/board/", views.nomination_board, name="nomination_board"),
    path("nominations/<int:pk>/stage/", views.nomination_stage, name="nomination_stage"),
    path(
        "activities/<int:pk>/participants/<int:participant_pk>/",
        views.participant_update,
        name="participant_update",
    ),
    path("activities/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path(
        "activities/<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path(
        "activities/<int:pk>/attachments/<int:attachment_pk>/remove/",
        views.attachment_remove,
        name="attachment_remove",
    ),
    path(
        "trainings/<int:pk>/participants/<int:participant_pk>/",
        views.training_participant_update,
        name="training_participant_update",
    ),
    path("batches/<int:pk>/undo/", views.batch_undo, name="batch_undo"),
    path("organisations/<int:pk>/members/add/", views.member_add, name="member_add"),
    path(
        "organisations/<int:pk>/members/<int:member_pk>/end/",
        views.member_end,
        name="member_end",
    ),
    path("persons/<int:pk>/timeline/", views.person_timeline_panel, name="person_timeline"),
]

# The same five pages for every record type: <slug>_list, _create, _detail, _edit, _cancel.
for slug in KINDS:
    kw = {"slug": slug}
    urlpatterns += [
        path(f"{slug}/", views.record_list, kw, name=f"{slug}_list"),
        path(f"{slug}/new/", views.record_create, kw, name=f"{slug}_create"),
        path(f"{slug}/<int:pk>/", views.record_detail, kw, name=f"{slug}_detail"),
        path(f"{slug}/<int:pk>/edit/", views.record_edit, kw, name=f"{slug}_edit"),
        path(f"{slug}/<int:pk>/cancel/", views.record_cancel, kw, name=f"{slug}_cancel"),
    ]
    if slug in {"activities", "trainings", "clusters", "organisations"}:
        urlpatterns.append(
            path(
                f"{slug}/<int:pk>/persons/<int:row_pk>/withdraw/",
                views.person_withdraw,
                kw,
                name=f"{slug}_withdraw",
            )
        )
    if slug in {"activities", "trainings", "clusters"}:
        urlpatterns += [
            path(
                f"{slug}/<int:pk>/add-persons/", views.add_persons, kw, name=f"{slug}_add_persons"
            ),
            path(
                f"{slug}/<int:pk>/withdraw-chosen/", views.withdraw_chosen, kw,
                name=f"{slug}_withdraw_chosen",
            ),
        ]  # fmt: skip
    if slug in {"activities", "trainings"}:
        urlpatterns += [
            path(f"{slug}/<int:pk>/attended/", views.mark_attended, kw, name=f"{slug}_attended"),
            path(f"{slug}/<int:pk>/invite/", invitation_views.invite, kw, name=f"{slug}_invite"),
            path(
                f"{slug}/<int:pk>/invitations/<int:invitation_pk>/withdraw/",
                invitation_views.invitation_withdraw, kw, name=f"{slug}_invitation_withdraw",
            ),
        ]  # fmt: skip
