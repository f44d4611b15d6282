"""Files in an S3 bucket, in a real browser (Playwright + Chromium): a county
user uploads a person's photo on the edit page and sees it on the person's
page; the photo is in the bucket and on no disk; a user of another county
gets 404 for it; an unknown API path shows the API's JSON, not a page.

Run with `pytest -m browser tongxin/core/tests/test_object_storage_browser.py -p no:xdist`.
"""

import io
import os

import pytest
from PIL import Image

from tongxin.core.tests.browser import chromium_page, expect, log_in
from tongxin.core.tests.conftest import PREFIX
from tongxin.people.models import Person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = os.environ.get("TONGXIN_SHOTS")  # a directory: save screenshots there to look at


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_a_photo_goes_to_the_bucket_and_comes_back_through_the_region_rule(
    live_server, bucket, make_person, regions, xingning_user, qingxiu_user, tmp_path, settings
):
    person = make_person("黄春燕", region=regions["xingning"])
    photo = tmp_path / "黄春燕.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (295, 413), (30, 90, 200)).save(buffer, "JPEG")
    photo.write_bytes(buffer.getvalue())

    with chromium_page(live_server) as (page, problems):
        page.set_default_timeout(30_000)
        expect.set_options(timeout=30_000)
        log_in(page, "xingning", landing=f"/persons/{person.pk}/edit/")
        page.set_input_files("input[name=photo]", str(photo))
        page.get_by_role("button", name="保存").click()
        expect(page).to_have_url(f"{live_server.url}/persons/{person.pk}/")
        image = page.get_by_role("img", name="黄春燕的照片")
        expect(image).to_be_visible()
        page.wait_for_function(
            "() => { const i = document.querySelector('img[alt=\"黄春燕的照片\"]');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )
        assert not problems, problems
        _shot(page, "s3-photo-person-page")

        answer = page.request.get("/api/v1/nothing-here")
        assert answer.status == 404
        assert answer.json()["error"]["code"] == "not_found"
        page.goto("/api/v1/nothing-here")
        _shot(page, "api-json-404")

    person = Person.objects.get(pk=person.pk)
    assert bucket.keys() == [f"{PREFIX}/{person.photo.name}"]
    assert not (settings.MEDIA_ROOT.exists() and any(settings.MEDIA_ROOT.rglob("*.jpg")))

    with chromium_page(live_server) as (page, problems):
        page.set_default_timeout(30_000)
        log_in(page, "qingxiu")
        response = page.goto(f"/persons/{person.pk}/photo/")
        assert response.status == 404
        _shot(page, "s3-photo-other-county-404")
    assert bucket.keys() == [f"{PREFIX}/{person.photo.name}"]  # still there, untouched
