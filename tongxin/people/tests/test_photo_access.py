"""Uploaded photos are personal information: served only through the person's
access check (people:photo), never from a public media URL (issue 7)."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve, reverse
from PIL import Image

from tongxin import settings as project_settings
from tongxin.people.models import Person


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (105, 147), "red").save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def photographed(make_person, regions):
    """A 兴宁区 person with an uploaded photo, and the photo's bytes."""
    data = jpeg()
    person = make_person(
        "张三",
        region=regions["xingning"],
        photo=SimpleUploadedFile("zhang.jpg", data, content_type="image/jpeg"),
    )
    return person, data


def test_it_refuses_the_photo_to_another_regions_user(client_for, qingxiu_user, photographed):
    person, data = photographed
    response = client_for(qingxiu_user).get(reverse("people:photo", args=[person.pk]))
    assert response.status_code == 404
    assert data not in response.content


def test_it_serves_the_photo_to_the_own_regions_user(client_for, xingning_user, photographed):
    person, data = photographed
    response = client_for(xingning_user).get(reverse("people:photo", args=[person.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    cache_control = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control


def test_it_refuses_the_photo_to_an_anonymous_visitor(client, photographed):
    person, _ = photographed
    response = client.get(reverse("people:photo", args=[person.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_serves_a_stored_non_image_file_only_as_a_download(
    client_for, xingning_user, photographed
):
    # The form accepts images only; a file that got there some other way
    # (restored backup, old import) must not render as a page of our origin.
    person, _ = photographed
    (settings.MEDIA_ROOT / "photos" / "x.html").write_text("<script>alert(1)</script>")
    Person.objects.filter(pk=person.pk).update(photo="photos/x.html")
    response = client_for(xingning_user).get(reverse("people:photo", args=[person.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == "attachment"


def test_no_public_media_url_serves_the_file(client_for, city_user, photographed):
    person, data = photographed
    stored = settings.MEDIA_ROOT / person.photo.name
    assert stored.read_bytes() == data  # the file is really there
    url = settings.MEDIA_URL + person.photo.name
    with pytest.raises(Resolver404):
        resolve(url)
    # Even a user allowed to see the person gets nothing from the media path.
    response = client_for(city_user).get(url)
    assert response.status_code == 404
    assert data not in response.content


def test_whitenoise_serves_nothing_from_media_root():
    # The product's own settings (the test fixtures move MEDIA_ROOT to a tmp dir).
    media = Path(project_settings.MEDIA_ROOT).resolve()
    for root in [project_settings.STATIC_ROOT, *project_settings.STATICFILES_DIRS]:
        root = Path(root).resolve()
        assert not media.is_relative_to(root)
        assert not root.is_relative_to(media)
    assert not hasattr(project_settings, "WHITENOISE_ROOT")
