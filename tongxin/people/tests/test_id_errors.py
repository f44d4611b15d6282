"""An already registered ID number is one error, not three: the birth date and
sex left blank (they are read from the ID) are not asked for as well."""

import datetime

import pytest
from django.urls import reverse

from tongxin.people.models import Person
from tongxin.people.tests.test_person_views import form_data

pytestmark = pytest.mark.django_db


def test_a_registered_id_is_the_only_error(client_for, city_user, make_person, regions):
    existing = make_person("张三", birth_date=datetime.date(1985, 6, 1), sex="M")
    data = form_data(
        region=regions["xingning"].pk, id_number=existing.id_number, birth_date="", sex=""
    )

    response = client_for(city_user).post(reverse("people:create"), data)

    page = response.content.decode()
    assert "该公民身份号码已登记，不能重复登记。" in page
    assert "请填写性别" not in page and "请选择性别" not in page
    assert "请填写出生日期" not in page
    assert list(response.context["form"].errors) == ["id_number"]
    assert Person.objects.count() == 1


def test_an_unreadable_id_is_the_only_error(client_for, city_user, regions):
    data = form_data(
        region=regions["xingning"].pk, id_number="450102198506010000", birth_date="", sex=""
    )

    response = client_for(city_user).post(reverse("people:create"), data)

    assert list(response.context["form"].errors) == ["id_number"]
    assert not Person.objects.exists()


def test_a_missing_id_is_asked_for_with_what_it_would_fill(client_for, city_user, regions):
    data = form_data(region=regions["xingning"].pk, id_number="", birth_date="", sex="")

    response = client_for(city_user).post(reverse("people:create"), data)

    assert set(response.context["form"].errors) == {"id_number", "birth_date", "sex"}
