import datetime
import io

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from tongxin.audit.models import AuditEntry
from tongxin.people.models import Person, PersonGroup, PoliticalStatus
from tongxin.people.services import person_archive
from tongxin.qualification.models import Condition

pytestmark = pytest.mark.django_db

ON = "2026-11-22"


@pytest.fixture
def cases(make_person, regions):
    """Four persons in 兴宁区 (one qualifying) and one failing in 青秀区."""
    cpc = PoliticalStatus.objects.get(name="中共党员")
    return {
        "ok": make_person("合格人", career_start_year=2010),
        "old": make_person("年长者", birth_date=datetime.date(1960, 1, 1), career_start_year=1990),
        "member": make_person("党员甲", political_status=cpc, career_start_year=2010),
        "new": make_person("新从业", career_start_year=None),
        "qingxiu": make_person("青秀人", region=regions["qingxiu"], career_start_year=None),
    }


def test_it_lists_who_fails_what(client_for, city_user, cases):
    response = client_for(city_user).get(reverse("qualification:report"), {"on": ON})
    assert response.status_code == 200
    text = response.content.decode()
    assert "合格人" not in text
    assert "年长者" in text and "年龄超过60周岁" in text
    assert "党员甲" in text and "政治面貌为中共党员或中共预备党员" in text
    assert "新从业" in text and "从业起始年份未填写，无法判断从业年限" in text
    assert "青秀人" in text
    assert response.context["total"] == 4


def test_it_filters_by_region_level_group_and_condition(client_for, city_user, cases, regions):
    client = client_for(city_user)
    url = reverse("qualification:report")
    text = client.get(url, {"on": ON, "region": regions["qingxiu"].pk}).content.decode()
    assert "青秀人" in text and "年长者" not in text
    age = Condition.objects.get(field="age")
    response = client.get(url, {"on": ON, "condition": age.pk})
    names = [row.person.name for row in response.context["rows"]]
    assert names == ["年长者"]
    assert response.context["total"] == 1
    text = client.get(url, {"on": ON, "level": "city"}).content.decode()
    assert "没有不符合条件的人员" in text
    other_group = PersonGroup.objects.exclude(sort_order=1).first()
    assert client.get(url, {"on": ON, "group": other_group.pk}).context["total"] == 0


def test_it_leaves_out_archived_persons(client_for, city_user, cases):
    person_archive(
        actor=city_user, person=cases["old"], reason="moved_away", on_date=datetime.date(2026, 1, 1)
    )
    text = client_for(city_user).get(reverse("qualification:report"), {"on": ON}).content.decode()
    assert "年长者" not in text


def test_it_keeps_county_staff_in_their_region(client_for, xingning_user, cases, regions):
    client = client_for(xingning_user)
    response = client.get(reverse("qualification:report"), {"on": ON})
    text = response.content.decode()
    assert "年长者" in text and "青秀人" not in text
    assert response.context["total"] == 3
    other = {"on": ON, "region": regions["qingxiu"].pk}
    assert client.get(reverse("qualification:report"), other).status_code == 404
    assert client.get(reverse("qualification:export"), other).status_code == 404


def test_it_refuses_evaluators(client_for, regions, cases):
    from tongxin.accounts.models import User

    evaluator = User.objects.create_user(username="ev", password="x", role=User.Role.EVALUATOR)
    client = client_for(evaluator)
    assert client.get(reverse("qualification:report")).status_code == 404
    assert client.get(reverse("qualification:export")).status_code == 404


def test_it_pins_the_query_count(client_for, city_user, make_person, django_assert_max_num_queries):
    for i in range(30):
        make_person(f"张{i}")
    client = client_for(city_user)
    client.get(reverse("qualification:report"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("qualification:report"))
    assert len(response.context["rows"]) == 30


def test_it_exports_xlsx_with_text_kept_as_text(client_for, city_user, make_person, cases):
    make_person("=HYPERLINK(1)", career_start_year=None, employer="x")
    response = client_for(city_user).get(reverse("qualification:export"), {"on": ON})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    data = b"".join(response.streaming_content)
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[1][0] == "姓名"
    names = {row[0] for row in rows[2:]}
    assert names == {"年长者", "党员甲", "新从业", "青秀人", "=HYPERLINK(1)"}
    assert b"<f>" not in _sheet_xml(data)
    by_name = {row[0]: row for row in rows[2:]}
    assert "年龄超过60周岁" in by_name["年长者"][-1]
    entry = AuditEntry.objects.get(action="export", object_type="qualification.report")
    assert entry.changes["count"] == 5
    assert entry.user == city_user


def _sheet_xml(data: bytes) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def test_the_person_page_says_whether_they_qualify(client_for, xingning_user, cases):
    client = client_for(xingning_user)
    text = client.get(reverse("people:detail", args=[cases["ok"].pk])).content.decode()
    assert "符合全部资格条件" in text
    text = client.get(reverse("people:detail", args=[cases["new"].pk])).content.decode()
    assert "待补充" in text  # no start year: not known to fail (test_missing_data.py)
    assert "从业起始年份未填写，无法判断从业年限" in text


def test_the_report_and_the_person_page_agree(client_for, city_user, cases):
    """The report's query and the per-person check name the same persons."""
    from tongxin.qualification.checks import active_conditions, check_context, person_check

    response = client_for(city_user).get(reverse("qualification:report"))
    listed = {row.person.pk for row in response.context["rows"]}
    on = response.context["on"]
    ctx = check_context(on)
    checked = {
        p.pk
        for p in Person.objects.filter(status="active")
        if person_check(p, active_conditions(), on=on, context=ctx)
    }
    assert listed == checked
