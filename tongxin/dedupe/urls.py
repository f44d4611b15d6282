from django.urls import path

from . import views

app_name = "dedupe"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("pairs/<int:pk>/", views.pair_detail, name="pair"),
    path("pairs/<int:pk>/dismiss/", views.pair_dismiss, name="dismiss"),
    path("pairs/<int:pk>/merge/", views.pair_merge, name="merge"),
    path("dismiss-by-rule/", views.rule_dismiss, name="dismiss_rule"),
    path("merges/<int:pk>/undo/", views.merge_undo, name="merge_undo"),
    path("rules/", views.rules, name="rules"),
    path("completeness/", views.completeness, name="completeness"),
    path("completeness/export/", views.completeness_export, name="completeness_export"),
]
