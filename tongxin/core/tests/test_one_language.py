"""The product is Chinese only: a browser that prefers English still gets Chinese,
Django's own messages included."""

from django.urls import reverse


def test_a_browser_asking_for_english_gets_chinese(client, db):
    response = client.post(
        reverse("login"), {"username": "", "password": ""}, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"
    )

    assert response["Content-Language"] == "zh-hans"
    page = response.content.decode()
    assert "This field is required" not in page


def test_a_missing_page_in_english_browsers_is_chinese(client, db):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")

    assert response["Content-Language"] == "zh-hans"
