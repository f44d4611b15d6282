import re

import pytest
from django.contrib.staticfiles import finders
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def test_the_openapi_document_is_valid_and_lists_every_resource(client_for, admin_user):
    web = client_for(admin_user)

    response = web.get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.json()
    validate(document)  # raises on anything OpenAPI 3.1 does not allow
    assert document["openapi"].startswith("3.")
    paths = set(document["paths"])
    for path in (
        "/api/v1/persons",
        "/api/v1/persons/{person_id}",
        "/api/v1/persons/batch",
        "/api/v1/regions",
        "/api/v1/dictionaries",
        "/api/v1/tiers",
        "/api/v1/reports/summary",
        "/api/v1/engagement/activities/{record_id}",
        "/api/v1/service-requests",
        "/api/v1/suggestions/{record_id}",
    ):
        assert path in paths, path
    schemes = document["components"]["securitySchemes"]
    assert [s["scheme"] for s in schemes.values()] == ["bearer"]
    person_params = {p["name"] for p in document["paths"]["/api/v1/persons"]["get"]["parameters"]}
    assert {"q", "region", "level", "cursor", "size"} <= person_params


def test_the_docs_page_loads_its_assets_from_the_product_itself(client_for, admin_user):
    web = client_for(admin_user)

    response = web.get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/static/") for s in sources), sources
    assert "//" not in "".join(s.removeprefix("/static/") for s in sources)
    for source in sources:
        assert finders.find(source.removeprefix("/static/")), source
    assert '"validatorUrl": null' in html  # no badge fetched from swagger.io
    assert "/api/v1/openapi.json" in html


def test_the_document_and_its_page_are_for_signed_in_staff(client):
    assert client.get("/api/v1/docs").status_code == 302
    assert client.get("/api/v1/openapi.json").status_code == 302
