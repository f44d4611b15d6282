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
