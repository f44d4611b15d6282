from django.urls import path

from .views import common, departments, service_requests, suggestions

app_name = "service"
urlpatterns = [
    path("departments/", departments.department_list, name="department_list"),
    path("departments/new/", departments.department_create, name="department_create"),
    path("departments/<int:pk>/edit/", departments.department_edit, name="department_edit"),
    path("persons/pick/", common.person_pick, name="person_pick"),
    path("requests/", service_requests.request_list, name="request_list"),
    path("requests/new/", service_requests.request_create, name="request_create"),
    path("requests/<int:pk>/", service_requests.request_detail, name="request_detail"),
    path("requests/<int:pk>/edit/", service_requests.request_edit, name="request_edit"),
    path("requests/<int:pk>/assign/", service_requests.request_assign, name="request_assign"),
    path("requests/<int:pk>/progress/", service_requests.request_progress, name="request_progress"),
    path("requests/<int:pk>/close/", service_requests.request_close, name="request_close"),
    path(
        "requests/<int:pk>/follow-up/", service_requests.request_follow_up, name="request_follow_up"
    ),
    path("requests/<int:pk>/cancel/", service_requests.request_cancel, name="request_cancel"),
    path("suggestions/", suggestions.suggestion_list, name="suggestion_list"),
    path("suggestions/new/", suggestions.suggestion_create, name="suggestion_create"),
    path("suggestions/<int:pk>/", suggestions.suggestion_detail, name="suggestion_detail"),
    path("suggestions/<int:pk>/edit/", suggestions.suggestion_edit, name="suggestion_edit"),
    path(
        "suggestions/<int:pk>/forward/", suggestions.suggestion_forward, name="suggestion_forward"
    ),
    path(
        "suggestions/<int:pk>/respond/", suggestions.suggestion_respond, name="suggestion_respond"
    ),
]
