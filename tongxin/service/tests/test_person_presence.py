"""A panel's check on the person page may be wider than the panel: it only
decides whether the panel reads its rows, through the region rule."""

import pytest
from django.urls import reverse

from tongxin.core.hooks import collect, present
from tongxin.people.access import person_for_user
from tongxin.service.models import ServiceRequest

pytestmark = pytest.mark.django_db


def test_a_request_the_user_may_not_read_stays_unnamed(
    rf, client_for, xingning_user, regions, make_person, make_request
):
    person = make_person("张三", region=regions["xingning"])
    request_elsewhere = make_request(person, content="青秀区受理的诉求内容")
    # kept by another region (the person moved after raising it)
    ServiceRequest.objects.filter(pk=request_elsewhere.pk).update(region=regions["qingxiu"])
    http = rf.get("/")
    http.user = xingning_user
    found = person_for_user(xingning_user, person.pk, checks=dict(collect("person_presence", http)))
    assert present(found, "service.requests")  # a row exists, whoever reads it
    text = client_for(xingning_user).get(reverse("people:detail", args=[person.pk]))
    assert text.status_code == 200
    assert "青秀区受理的诉求内容" not in text.content.decode()


def test_a_request_the_user_may_read_shows(
    client_for, xingning_user, regions, make_person, make_request
):
    person = make_person("张三", region=regions["xingning"])
    make_request(person, content="兴宁区受理的诉求内容")
    text = client_for(xingning_user).get(reverse("people:detail", args=[person.pk]))
    assert "兴宁区受理的诉求内容" in text.content.decode()
