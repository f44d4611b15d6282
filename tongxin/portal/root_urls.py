"""ROOT_URLCONF of the portal process (`tongxin serve --portal`): the persons'
own pages and nothing else. Every staff route answers 404 here
(tests/test_portal_process.py walks the staff resolver to prove it)."""

from django.urls import include, path

urlpatterns = [
    path("p/", include("tongxin.portal.person_urls")),
]
