"""The photo field on the edit form: the current photo is a link to the person's
photo page, never the stored path (目前: photos/2026/…)."""

from django.urls import reverse

from tongxin.people.tests.test_photo_access import photographed  # noqa: F401


def test_the_edit_form_links_the_photo_without_its_path(
    client_for,
    xingning_user,
    photographed,  # noqa: F811
):
    person, _ = photographed

    page = client_for(xingning_user).get(reverse("people:edit", args=[person.pk])).content.decode()

    assert "photos/" not in page
    assert "目前" not in page and "修改" not in page.split('name="photo"')[0][-300:]
    assert "已有照片" in page
    assert f'href="{reverse("people:photo", args=[person.pk])}"' in page
    assert "删除照片" in page
