"""ROOT_URLCONF of the portal process (`tongxin serve --portal`): the persons'
own pages and nothing else. Every staff route answers 404 here
(tests/test_portal_process.py walks the staff resolver to prove it)."""

from django.urls import include, path

urlpatterns = [
    path("p/", include("tongxin.portal.person_urls")),
]

handler400 = "tongxin.portal.person_views.bad_request"
handler403 = "tongxin.portal.person_views.forbidden"
handler404 = "tongxin.portal.person_views.not_found"
handler500 = "tongxin.portal.person_views.server_error"
