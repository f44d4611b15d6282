from django.urls import path

from . import views

app_name = "flows"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("count/", views.inbox_count, name="inbox_count"),
    path("levels/", views.node_page, name="levels"),
    path("new/<slug:kind>/", views.request_new, name="new"),
    path("transfer-in/", views.transfer_in_quick, name="transfer_in_quick"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/submit/", views.request_submit, name="submit"),
    path("<int:pk>/withdraw/", views.request_withdraw, name="withdraw"),
    path("<int:pk>/approve/", views.request_approve, name="approve"),
    path("<int:pk>/return/", views.request_return, name="return"),
    path("<int:pk>/comment/", views.request_comment, name="comment"),
    path("<int:pk>/attach/", views.request_attach, name="attach"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment",
    ),
]
