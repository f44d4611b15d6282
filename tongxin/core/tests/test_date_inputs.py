"""<input type="date"> reads only ISO dates: a default date must reach the browser as 2026-12-07."""

import re

from django import forms
from django.urls import reverse
from django.utils import timezone


def date_values(page: str, name: str) -> list[str]:
    inputs = re.findall(rf'<input type="date" name="{name}"[^>]*>', page)
    assert inputs, f"no date input {name}"
    return [re.search(r'value="([^"]*)"', tag).group(1) for tag in inputs]


def test_the_archive_date_defaults_to_today_in_iso(client_for, xingning_user, make_person):
    person = make_person("张三")

    page = (
        client_for(xingning_user).get(reverse("people:detail", args=[person.pk])).content.decode()
    )

    assert date_values(page, "on_date") == [timezone.localdate().isoformat()]


def test_the_privacy_request_dates_default_to_today_in_iso(client_for, xingning_user, make_person):
    person = make_person("张三")

    response = client_for(xingning_user).get(reverse("privacy:person", args=[person.pk]))

    values = date_values(response.content.decode(), "received_on")
    assert set(values) == {timezone.localdate().isoformat()}


def test_a_date_typed_with_slashes_is_still_read(db):
    field = forms.DateField()
    assert field.clean("2026/11/05").isoformat() == "2026-11-05"
    assert field.clean("2026-11-05").isoformat() == "2026-11-05"
