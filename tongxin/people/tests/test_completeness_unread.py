"""Fields given on entry but unreadable, left blank (issue 17): the list's
待补充 filter (SQL) and the person page (on the instance) say the same."""

import pytest

from tongxin.people.completeness import to_complete_q, unread_note
from tongxin.people.models import Education, Person, PersonGroup
from tongxin.people.services import person_update

pytestmark = pytest.mark.django_db


def test_the_filter_and_the_person_page_agree(make_person, city_user):
    freelance = PersonGroup.objects.get(is_freelance=True)
    cases = {
        # name: (fields noted unread, fields blank, group)
        "无记录": ((), ("education", "mobile"), None),  # blank but never given: not 待补充
        "学历未识别": (("education",), ("education",), None),
        "学历已补": (("education",), (), None),  # noted, since filled
        "电话未识别": (("mobile",), ("mobile",), None),
        "年份未识别": (("career_start_year",), ("career_start_year",), None),
        "两项一补": (("education", "email"), ("email",), None),
        "自由职业": ((), (), freelance),
        "自由职业且电话": (("mobile",), ("mobile",), freelance),
    }
    for name, (unread, blank, group) in cases.items():
        person = make_person(name, **({"group": group} if group else {}))
        values = {"education": None, "mobile": "", "email": "", "career_start_year": None}
        filled = {"email": "a@example.com", "career_start_year": 2010}
        data = {f: (values[f] if f in blank else filled.get(f, getattr(person, f)))
                for f in values}  # fmt: skip
        person_update(actor=city_user, person=person, data=data, unread=unread,
                      expected_version=person.version)  # fmt: skip
    persons = Person.objects.select_related("group")
    on_page = {p.name for p in persons if p.fields_to_complete()}
    filtered = set(Person.objects.filter(to_complete_q()).values_list("name", flat=True))
    assert filtered == on_page
    assert on_page == {"学历未识别", "电话未识别", "年份未识别", "两项一补", "自由职业",
                       "自由职业且电话"}  # fmt: skip
    labels = {p.name: p.fields_to_complete() for p in persons}
    assert labels["两项一补"] == ["电子邮箱"]
    assert labels["自由职业且电话"] == ["自由职业领域", "联系电话"]


def test_the_note_keeps_each_field_once_and_only_optional_ones():
    note = unread_note(["mobile", "education"], before=",education,")
    assert note == ",education,mobile,"
    # Required fields and the ones filled from the ID are never noted.
    assert unread_note(["name", "birth_date", "level", "ethnicity"]) == ""


def test_education_noted_then_filled_is_no_longer_listed(make_person, city_user):
    person = make_person("赵六", education=None)
    person_update(actor=city_user, person=person, data={}, unread=["education"],
                  expected_version=person.version)  # fmt: skip
    person = Person.objects.get(pk=person.pk)
    assert person.unread_fields == ",education," and person.version == 2
    assert Person.objects.filter(to_complete_q(), pk=person.pk).exists()
    person_update(actor=city_user, person=person, data={"education": Education.objects.first()},
                  expected_version=person.version)  # fmt: skip
    assert not Person.objects.filter(to_complete_q(), pk=person.pk).exists()
