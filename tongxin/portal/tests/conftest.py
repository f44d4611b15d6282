import datetime

import pytest
from django.urls import reverse

# The evaluation fixtures, to give a person a grade the portal must not show.
from tongxin.evaluations.tests.conftest import (  # noqa: F401
    evaluators,
    make_round,
    simple_system,
)
from tongxin.portal import services

BORN = datetime.date(1985, 6, 1)


@pytest.fixture
def issue(xingning_user):
    """issue(person, days=30) → (link, token), issued by xingning staff."""

    def make(person, *, days: int = 30, actor=None):
        (issued,) = services.links_issue(
            actor=actor or xingning_user, persons=[person], valid_days=days
        )
        return issued.link, issued.token

    return make


def open_url(token: str) -> str:
    return reverse("me:open", args=[token])


def confirm(client, person, token: str, *, suffix: str | None = None, born=None):
    return client.post(
        open_url(token),
        {
            "id_suffix": suffix if suffix is not None else person.id_number[-6:],
            "birth_date": (born or person.birth_date).isoformat(),
        },
    )


@pytest.fixture
def signed_in(client, issue):
    """signed_in(person) → the client with a confirmed session for `person`."""

    def make(person):
        link, token = issue(person)
        response = confirm(client, person, token)
        assert response.status_code == 302, response.content.decode()[:500]
        return link

    return make
