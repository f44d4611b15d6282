import datetime

import pytest

from tongxin.accounts.models import User
from tongxin.api.models import ApiClient
from tongxin.api.services import api_client_create
from tongxin.conftest import PASSWORD


@pytest.fixture
def make_api_client(regions):
    """make_api_client(region, access="read", unmasked=False) → (client, token),
    created by a superuser (any node of the tree)."""
    counter = iter(range(1, 1000))
    admin = User.objects.create_superuser(username="apiadmin", password=PASSWORD)

    def make(region=None, *, access=ApiClient.Access.READ, unmasked=False, actor=None, **extra):
        data = {
            "name": extra.pop("name", f"客户端{next(counter)}"),
            "region": region or regions["xingning"],
            "access": access,
            "unmasked_identifiers": unmasked,
            "expires_on": extra.pop(
                "expires_on", datetime.date.today() + datetime.timedelta(days=30)
            ),
            **extra,
        }
        return api_client_create(actor=actor or admin, data=data)

    return make


@pytest.fixture
def call(client):
    """call(token, "get", "/api/v1/persons", data) → the response (JSON in .json())."""

    def request(token, method, path, data=None, **kwargs):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        if method == "post":
            return client.post(
                path, data or {}, content_type="application/json", **headers, **kwargs
            )
        return getattr(client, method)(path, data or {}, **headers, **kwargs)

    return request
