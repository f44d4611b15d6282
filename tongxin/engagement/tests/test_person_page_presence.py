"""The person page asks, with the person, which panels have anything to read
(hooks.person_presence); an empty panel costs no query of its own (the count
is pinned in people/tests/test_person_views.py)."""

import pytest

from tongxin.core.hooks import collect, present
from tongxin.engagement.tests.factories import make_record
from tongxin.people.access import person_for_user

pytestmark = pytest.mark.django_db


def test_the_checks_come_back_with_the_person(rf, xingning_user, regions, make_person, city_user):
    person = make_person("张三", region=regions["xingning"])
    make_record("honours", actor=city_user, region=regions["xingning"], person=person)
    request = rf.get("/")
    request.user = xingning_user
    checks = dict(collect("person_presence", request))
    assert {"engagement.honour", "service.requests", "levels.tiers", "portal.links"} <= set(checks)
    found = person_for_user(xingning_user, person.pk, checks=checks)
    assert present(found, "engagement.honour") is True
    assert present(found, "engagement.activity") is False
    assert present(found, "service.requests") is False
    # not asked: read as before
    assert present(person_for_user(xingning_user, person.pk), "engagement.honour") is True
