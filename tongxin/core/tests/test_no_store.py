"""Cache-Control: no-store on every response the application makes (issue 16):
pages, htmx partials, downloads, the login page and errors carry personal
data or might; static files keep their caching."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def cache_control(response) -> set[str]:
    return {part.strip() for part in response["Cache-Control"].split(",")}


@pytest.fixture
def person(make_person):
    return make_person("张三")


def test_a_person_page(client_for, xingning_user, person):
    response = client_for(xingning_user).get(reverse("people:detail", args=[person.pk]))

    assert response.status_code == 200 and "张三" in response.content.decode()
    assert "no-store" in cache_control(response)


def test_a_list_and_its_htmx_partial(client_for, xingning_user, person):
    client = client_for(xingning_user)

    page = client.get(reverse("people:list"))
    partial = client.get(reverse("people:list"), {"q": "张"}, headers={"HX-Request": "true"})

    assert "张三" in page.content.decode()
    text = partial.content.decode()
    assert "张三" in text and "<html" not in text  # the partial, not the page
    assert cache_control(page) == {"no-store"}
    assert cache_control(partial) == {"no-store"}


def test_an_export_download(client_for, city_user, person):
    response = client_for(city_user).get(reverse("reports:person_export"))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert cache_control(response) == {"no-store"}


def test_a_registration_form_download(client_for, city_user, person):
    response = client_for(city_user).get(reverse("reports:person_form", args=[person.pk]))

    assert response.status_code == 200
    assert cache_control(response) == {"no-store"}


def test_a_view_that_sets_a_stricter_header_keeps_it(client_for, xingning_user, make_person):
    from django.core.files.uploadedfile import SimpleUploadedFile

    person = make_person("李四")
    person.photo = SimpleUploadedFile("p.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")
    person.save(update_fields=["photo"])

    response = client_for(xingning_user).get(reverse("people:photo", args=[person.pk]))

    assert response.status_code == 200
    assert cache_control(response) == {"private", "no-store"}


def test_pages_without_a_login_and_errors(client, client_for, xingning_user, regions):
    login = client.get(reverse("login"))
    missing = client_for(xingning_user).get(reverse("people:detail", args=[999999]))

    assert "no-store" in cache_control(login)  # never_cache: no-store and more
    assert missing.status_code == 404
    assert cache_control(missing) == {"no-store"}


def test_a_static_file_keeps_its_caching(settings):
    # WhiteNoise reads the files at start-up: a fresh client, from the finders.
    settings.WHITENOISE_USE_FINDERS = True
    response = Client().get(settings.STATIC_URL + "tongxin/app.js")

    assert response.status_code == 200
    assert "no-store" not in response["Cache-Control"]
    assert "max-age" in response["Cache-Control"]
