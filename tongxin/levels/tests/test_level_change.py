import pytest
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.levels.models import LevelChange
from tongxin.levels.services import LevelError, person_change_level
from tongxin.levels.tiers import tiers_held
from tongxin.people.models import Person
from tongxin.people.services import StaleEditError

pytestmark = pytest.mark.django_db


def move(client, person, level, reason="工作需要", version=None):
    return client.post(
        reverse("levels:change", args=[person.pk]),
        {"level": level, "reason": reason, "version": version or person.version},
    )


def test_it_moves_a_person_with_reason_history_and_audit(client_for, xingning_user, make_person):
    person = make_person("张三", level=Person.Level.RESERVE)
    client = client_for(xingning_user)
    response = move(client, person, Person.Level.COUNTY, "担任区工商联副主席")
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.level == Person.Level.COUNTY
    assert person.version == 2
    change = LevelChange.objects.get(person=person)
    assert (change.from_level, change.to_level) == ("reserve", "county")
    assert change.reason == "担任区工商联副主席"
    assert change.changed_by == xingning_user
    latest = person.history.order_by("-history_id").first()
    assert latest.history_change_reason == "分级调整：储备 → 县区联系（担任区工商联副主席）"
    assert latest.history_user == xingning_user
    entry = AuditEntry.objects.get(action="update", object_id=str(person.pk))
    assert entry.changes == {
        "level": ["储备", "县区联系"],
        "tiers": [[], ["兴宁区·县区联系"]],
        "reason": "担任区工商联副主席",
    }
    assert [str(t) for t in tiers_held(person)] == ["兴宁区·县区联系"]
    page = client.get(reverse("people:detail", args=[person.pk])).content.decode()
    assert "已将张三由“储备”调整为“县区联系”" in page
    assert "原因：担任区工商联副主席" in page
    assert "分级调整：储备 → 县区联系" in page  # the person's change history


def test_only_city_staff_place_at_or_remove_from_city_level(
    client_for, xingning_user, city_user, make_person
):
    person = make_person("张三", level=Person.Level.COUNTY)
    response = move(client_for(xingning_user), person, Person.Level.CITY)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.level == Person.Level.COUNTY
    assert not LevelChange.objects.exists()

    move(client_for(city_user), person, Person.Level.CITY, "市政协委员")
    person.refresh_from_db()
    assert person.level == Person.Level.CITY

    with pytest.raises(LevelError, match="只有市级工作人员"):
        person_change_level(
            actor=xingning_user, person=person, level=Person.Level.COUNTY, reason="降级"
        )
    person.refresh_from_db()
    assert person.level == Person.Level.CITY
    assert LevelChange.objects.count() == 1
    page = client_for(xingning_user).get(reverse("people:detail", args=[person.pk]))
    assert "市级重点联系人员的分级调整由市级工作人员办理" in page.content.decode()


def test_it_requires_a_reason_and_a_different_level(client_for, xingning_user, make_person):
    person = make_person("张三", level=Person.Level.COUNTY)
    client = client_for(xingning_user)
    response = move(client, person, Person.Level.RESERVE, reason="")
    assert "请填写调整原因" in client.get(response.url).content.decode()
    with pytest.raises(LevelError, match="已是"):
        person_change_level(
            actor=xingning_user, person=person, level=Person.Level.COUNTY, reason="x"
        )
    person.refresh_from_db()
    assert person.level == Person.Level.COUNTY and person.version == 1


def test_it_refuses_a_stale_move(xingning_user, make_person):
    person = make_person("张三", level=Person.Level.RESERVE)
    with pytest.raises(StaleEditError):
        person_change_level(
            actor=xingning_user,
            person=person,
            level=Person.Level.COUNTY,
            reason="x",
            expected_version=0,
        )
    assert not LevelChange.objects.exists()


def test_another_regions_person_answers_404(client_for, qingxiu_user, make_person, regions):
    person = make_person("张三", region=regions["xingning"], level=Person.Level.RESERVE)
    assert move(client_for(qingxiu_user), person, Person.Level.COUNTY).status_code == 404
    with pytest.raises(LevelError):
        person_change_level(
            actor=qingxiu_user, person=person, level=Person.Level.COUNTY, reason="x"
        )
    person.refresh_from_db()
    assert person.level == Person.Level.RESERVE


def test_the_leader_cannot_move_anyone(client_for, leader_user, make_person):
    person = make_person("张三", level=Person.Level.RESERVE)
    client = client_for(leader_user)
    assert move(client, person, Person.Level.COUNTY).status_code == 404
    person.refresh_from_db()
    assert person.level == Person.Level.RESERVE
    page = client.get(reverse("people:detail", args=[person.pk])).content.decode()
    assert "调整分级" not in page


def test_an_archived_person_keeps_their_level(xingning_user, make_person):
    import datetime

    from tongxin.people.services import person_archive

    person = make_person("张三", level=Person.Level.RESERVE)
    person_archive(
        actor=xingning_user, person=person, reason="died", on_date=datetime.date(2026, 1, 1)
    )
    person.refresh_from_db()
    with pytest.raises(LevelError, match="已出库"):
        person_change_level(
            actor=xingning_user, person=person, level=Person.Level.COUNTY, reason="x"
        )


def test_the_edit_form_no_longer_changes_the_level(client_for, city_user, make_person):
    from django.forms.models import model_to_dict

    from tongxin.people.models import PERSON_FORM_FIELDS

    person = make_person("张三", level=Person.Level.RESERVE)
    data = {
        k: ("" if v is None else v)
        for k, v in model_to_dict(person, fields=PERSON_FORM_FIELDS).items()
    }
    data |= {"birth_date": person.birth_date.isoformat(), "version": person.version}
    data |= {"level": Person.Level.CITY, "employer": "新单位"}
    client = client_for(city_user)
    form_page = client.get(reverse("people:edit", args=[person.pk])).content.decode()
    assert "分级调整请在人员页面" in form_page
    response = client.post(reverse("people:edit", args=[person.pk]), data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.employer == "新单位"
    assert person.level == Person.Level.RESERVE
