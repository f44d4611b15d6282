import datetime

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_counts_only_the_users_regions(client_for, xingning_user, make_person, regions):
    make_person("张三", region=regions["xingning"], level="county")
    make_person("王五", region=regions["qingxiu"], level="county")
    response = client_for(xingning_user).get(reverse("home"))
    assert response.status_code == 200
    assert response.context["total"] == 1
    assert dict(response.context["levels"])["县区联系"] == 1
    assert "王五" not in response.content.decode()


def test_it_shows_recent_changes_to_staff(client_for, city_user, make_person):
    make_person("张三")
    response = client_for(city_user).get(reverse("home"))
    assert "张三" in response.content.decode()
    assert response.context["total"] == 1


def test_it_hides_recent_changes_from_the_leader(client_for, leader_user, make_person):
    make_person("张三")
    response = client_for(leader_user).get(reverse("home"))
    assert response.context["recent"] == []
    assert response.context["total"] == 1


def test_it_sends_anonymous_users_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_counts_by_level_and_group_and_follows_every_change(
    client_for, city_user, make_person, regions
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tongxin.people.models import Person, PersonGroup
    from tongxin.people.services import person_archive

    first, second = PersonGroup.objects.all()[:2]
    make_person("张三", region=regions["xingning"], group=first, level="county")
    gone = make_person("李四", region=regions["qingxiu"], group=second, level="city")
    client = client_for(city_user)

    def tiles(response) -> tuple:
        rows = {row["name"]: row["n"] for row in response.context["by_group"]}
        return response.context["total"], dict(response.context["levels"]), rows

    response = client.get(reverse("home"))
    assert tiles(response) == (
        2,
        {"市级重点联系": 1, "县区联系": 1, "储备": 0},
        {first.name: 1, second.name: 1},
    )
    assert f"<td>{first.name}</td>" in response.content.decode()
    # Counted once per change: a second view runs no grouped count over the persons.
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("home"))
    assert not [q for q in queries if 'FROM "people_person"' in q["sql"] and "GROUP BY" in q["sql"]]
    person_archive(actor=city_user, person=gone, reason="died", on_date=datetime.date(2026, 1, 1))
    assert tiles(client.get(reverse("home"))) == (
        1,
        {"市级重点联系": 0, "县区联系": 1, "储备": 0},
        {first.name: 1},
    )
    assert Person.objects.filter(status="active").count() == 1
