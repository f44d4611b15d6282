"""Every error under /api/v1/ answers in the API's JSON shape, also those that
never reach a route (unknown path, wrong method) or that Django answers itself."""

import json

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import RequestFactory

from tongxin.api import errors
from tongxin.api.models import ApiClient


def _error(response) -> dict:
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)["error"]


@pytest.mark.parametrize("token", [True, False], ids=["with-token", "without-token"])
@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1/persons/1/nothing", "/api/v1/"])
def test_an_unknown_api_path_answers_json_404(make_api_client, call, path, token):
    _client, secret = make_api_client()

    response = call(secret if token else None, "get", path)

    assert response.status_code == 404
    error = _error(response)
    assert error["code"] == "not_found"
    assert path in error["message"] and "/api/v1/docs" in error["message"]
    assert error["items"] == []


def test_an_unknown_page_outside_the_api_is_still_the_html_page(admin_client):
    response = admin_client.get("/nothing-here/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "error" not in response.content.decode()[:20]


def test_a_method_the_route_does_not_have_answers_json_405(make_api_client, call):
    _client, token = make_api_client(access=ApiClient.Access.READ_WRITE)

    response = call(token, "delete", "/api/v1/persons")

    assert response.status_code == 405
    error = _error(response)
    assert error["code"] == "method_not_allowed"
    assert "DELETE" in error["message"] and "GET" in error["message"]
    assert "GET" in response["Allow"]


def test_a_call_without_token_answers_json_401(call):
    response = call(None, "get", "/api/v1/regions")

    assert response.status_code == 401
    assert _error(response)["code"] == "unauthorized"


def test_over_the_rate_answers_json_429(make_api_client, call, settings):
    settings.TONGXIN_API_RATE = "1/min"
    _client, token = make_api_client()

    assert call(token, "get", "/api/v1/regions").status_code == 200
    response = call(token, "get", "/api/v1/regions")

    assert response.status_code == 429
    assert _error(response)["code"] == "rate_limited"
    assert int(response["Retry-After"]) >= 1


@pytest.mark.parametrize(
    ("handler", "args", "status", "code"),
    [
        (errors.bad_request, (SuspiciousOperation(),), 400, "bad_request"),
        (errors.permission_denied, (PermissionDenied(),), 403, "forbidden"),
        (errors.server_error, (), 500, "server_error"),
    ],
)
def test_errors_django_answers_itself_are_json_under_the_api_only(handler, args, status, code):
    factory = RequestFactory()

    api = handler(factory.get("/api/v1/persons"), *args)
    page = handler(factory.get("/persons/"), *args)

    assert api.status_code == page.status_code == status
    assert _error(api)["code"] == code
    assert page["Content-Type"].startswith("text/html")


def test_django_s_handlers_are_the_api_aware_ones():
    from tongxin import urls

    assert urls.handler404 == "tongxin.api.errors.page_not_found"
    assert urls.handler403 == "tongxin.api.errors.permission_denied"
    assert urls.handler400 == "tongxin.api.errors.bad_request"
    assert urls.handler500 == "tongxin.api.errors.server_error"
