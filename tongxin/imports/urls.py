from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.batch_list, name="list"),
    path("new/", views.batch_upload, name="upload"),
    path("template.xlsx", views.roster_template, name="template"),
    path("<int:pk>/", views.batch_detail, name="detail"),
    path("<int:pk>/mapping/", views.batch_mapping, name="mapping"),
    path("<int:pk>/progress/", views.batch_progress, name="progress"),
    path("<int:pk>/commit/", views.batch_commit, name="commit"),
    path("<int:pk>/undo/", views.batch_undo, name="undo"),
    path("<int:pk>/rejected.xlsx", views.batch_rejected, name="rejected"),
    path("<int:pk>/values/", views.batch_map_value, name="map_value"),
    path("<int:pk>/recheck/", views.batch_recheck, name="recheck"),
    path("photos/new/", views.photo_upload, name="photo_upload"),
    path("photos/<int:pk>/", views.photo_detail, name="photo_detail"),
    path("photos/<int:pk>/commit/", views.photo_commit, name="photo_commit"),
    path("photos/<int:pk>/undo/", views.photo_undo, name="photo_undo"),
    path("proposals/", views.proposal_list, name="proposals"),
    path("proposals/<int:pk>/decide/", views.proposal_decide, name="decide_proposal"),
]
