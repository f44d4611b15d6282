"""Bulk actions from the person list (people/bulk.py and the actions levels,
engagement and reports register): the page, the database and the audit rows."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.engagement.models import ActivityParticipant, ParticipantBatch
from tongxin.engagement.tests.factories import make_record
from tongxin.levels.models import LevelChange, PersonReview, ReviewCycle
from tongxin.people.models import Person
from tongxin.people.search import derived_fields
from tongxin.people.services import persons_bulk_insert

pytestmark = pytest.mark.django_db

BULK = reverse("people:bulk")


def many_persons(template: Person, count: int, *, region) -> list[Person]:
    """`count` more active county-tier persons like `template` in `region`."""
    persons = []
    for i in range(count):
        name = f"批量{region.pk}{i:03d}"
        id_number = f"{region.code}19800101{i:04d}"
        person = Person(
            name=name, sex="M", ethnicity_id=template.ethnicity_id,
            birth_date=datetime.date(1980, 1, 1), id_number=id_number,
            political_status_id=template.political_status_id, group_id=template.group_id,
            region=region, level=Person.Level.COUNTY,
        )  # fmt: skip
        for field, value in derived_fields(name=name, id_number=id_number).items():
            setattr(person, field, value)
        persons.append(person)
    persons_bulk_insert(persons, reason="测试数据")
    return list(Person.objects.filter(region=region).exclude(pk=template.pk))


def test_the_list_offers_row_selection_and_the_actions(client_for, xingning_user, make_person):
    person = make_person("张三")
    page = client_for(xingning_user).get(reverse("people:list")).content.decode()
    assert f'name="ids" value="{person.pk}" form="bulk-form"' in page
    assert 'name="all" value="1"' in page and "全部符合条件的 1 人" in page
    for label in (
        "调整分级",
        "出库",
        "加入活动",
        "加入培训",
        "标记已复核",
        "生成登记表",
        "导出所选",
    ):
        assert f">{label}</button>" in page


def test_a_leader_sees_only_the_reading_actions(client_for, leader_user, make_person):
    make_person("张三")
    page = client_for(leader_user).get(reverse("people:list")).content.decode()
    assert ">导出所选</button>" in page and ">调整分级</button>" not in page
    response = client_for(leader_user).get(BULK, {"action": "level", "all": "1"})
    assert response.status_code == 404


def test_it_changes_the_level_of_the_ticked_persons(client_for, xingning_user, make_person):
    a, b, c = make_person("张三"), make_person("李四"), make_person("王五")
    client = client_for(xingning_user)
    query = {"action": "level", "ids": [a.pk, b.pk]}
    page = client.get(BULK, query)
    assert page.status_code == 200
    assert 'data-testid="bulk-count">2<' in page.content.decode()
    response = client.post(BULK, query | {"do-level": "reserve", "do-reason": "年度调整"})
    assert response.status_code == 302
    levels = dict(Person.objects.values_list("name", "level"))
    assert levels == {"张三": "reserve", "李四": "reserve", "王五": "county"}
    assert LevelChange.objects.filter(reason="年度调整").count() == 2
    entries = AuditEntry.objects.filter(action="update", object_type="people.person")
    assert {e.object_id for e in entries} == {str(a.pk), str(b.pk)}
    assert "已将 2 人调整为“储备”" in client.get(response.url).content.decode()
    c.refresh_from_db()
    assert c.version == 1


def test_a_refusal_for_one_person_changes_nobody(client_for, xingning_user, make_person):
    make_person("张三")
    make_person("李四", level=Person.Level.CITY)  # only city staff move persons off city tier
    client = client_for(xingning_user)
    response = client.post(
        BULK, {"action": "level", "all": "1", "do-level": "reserve", "do-reason": "调整"}
    )
    assert response.status_code == 200
    assert "李四：只有市级工作人员可以将人员列为或移出市级重点联系（全部未调整）" in (
        response.content.decode()
    )
    assert not LevelChange.objects.exists()
    assert set(Person.objects.values_list("level", flat=True)) == {"county", "city"}


def test_ticked_persons_outside_the_scope_are_left_alone(
    client_for, xingning_user, make_person, regions
):
    mine = make_person("张三")
    theirs = make_person("赵六", region=regions["qingxiu"])
    client = client_for(xingning_user)
    query = {"action": "level", "ids": f"{mine.pk},{theirs.pk}"}
    page = client.get(BULK, query).content.decode()
    assert 'data-testid="bulk-count">1<' in page and "赵六" not in page
    client.post(BULK, query | {"do-level": "reserve", "do-reason": "调整"})
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert (mine.level, theirs.level) == ("reserve", "county")


def test_more_than_50_persons_are_archived_only_after_confirmation(
    client_for, xingning_user, make_person, regions
):
    template = make_person("张三")
    many_persons(template, 50, region=regions["xingning"])
    client = client_for(xingning_user)
    data = {"action": "archive", "all": "1", "do-reason": "moved_away", "do-note": "",
            "do-on_date": timezone.localdate().isoformat()}  # fmt: skip
    page = client.get(BULK, {"action": "archive", "all": "1"}).content.decode()
    assert (
        'data-testid="bulk-confirm"' in page and "本次将对 <strong>51</strong> 人执行“出库”" in page
    )
    response = client.post(BULK, data)
    assert response.status_code == 200
    assert "本次将处理 51 人，请勾选确认后再提交" in response.content.decode()
    assert not Person.objects.filter(status="archived").exists()
    # a count that changed since the page was shown asks again
    assert client.post(BULK, data | {"confirm": "50"}).status_code == 200
    response = client.post(BULK, data | {"confirm": "51"})
    assert response.status_code == 302
    assert Person.objects.filter(status="archived", archived_reason="moved_away").count() == 51
    assert AuditEntry.objects.filter(action="archive").count() == 51


def test_archiving_needs_a_reason_and_names_the_field(client_for, xingning_user, make_person):
    person = make_person("张三")
    response = client_for(xingning_user).post(
        BULK, {"action": "archive", "ids": person.pk, "do-on_date": "2030-01-01"}
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "请选择出库原因" in text and "出库日期不能晚于今天" in text
    person.refresh_from_db()
    assert not person.is_archived


def test_nothing_chosen_is_refused(client_for, xingning_user, make_person):
    make_person("张三")
    response = client_for(xingning_user).post(
        BULK, {"action": "level", "do-level": "reserve", "do-reason": "x"}
    )
    assert response.status_code == 200
    assert "请先勾选人员" in response.content.decode()
    assert not LevelChange.objects.exists()


def test_it_adds_the_chosen_persons_to_an_activity_and_undoes_it_in_one_step(
    client_for, xingning_user, make_person, regions
):
    a, b = make_person("张三"), make_person("李四")
    activity = make_record("activities", actor=xingning_user, region=regions["xingning"])
    client = client_for(xingning_user)
    response = client.post(
        BULK, {"action": "activity", "ids": [a.pk, b.pk], "do-target": activity.pk}
    )
    assert response.status_code == 302
    assert response.url == reverse("engagement:activities_detail", args=[activity.pk])
    batch = ParticipantBatch.objects.get()
    assert batch.activity == activity and batch.added == 2
    assert ActivityParticipant.objects.filter(activity=activity, batch=batch).count() == 2
    page = client.get(response.url).content.decode()
    assert "已将 2 人加入活动" in page and "撤销本次添加" in page

    response = client.post(reverse("engagement:batch_undo", args=[batch.pk]))
    assert response.status_code == 302
    assert not ActivityParticipant.objects.exists()
    batch.refresh_from_db()
    assert batch.undone_at is not None and batch.undone == 2 and batch.undone_by == xingning_user
    assert ActivityParticipant.history.filter(history_type="-").count() == 2
    entry = AuditEntry.objects.get(action="delete", object_id=str(activity.pk))
    assert entry.changes["persons_withdrawn"] == 2
    page = client.get(response.url).content.decode()
    assert "已撤销这次批量添加，撤回 2 人" in page and "撤销本次添加" not in page
    # once undone it cannot be undone again
    assert client.post(reverse("engagement:batch_undo", args=[batch.pk])).status_code == 404


def test_another_regions_user_cannot_undo_a_bulk_addition(
    client_for, xingning_user, qingxiu_user, make_person, regions
):
    person = make_person("张三")
    activity = make_record("activities", actor=xingning_user, region=regions["xingning"])
    client_for(xingning_user).post(
        BULK, {"action": "activity", "ids": person.pk, "do-target": activity.pk}
    )
    batch = ParticipantBatch.objects.get()
    response = client_for(qingxiu_user).post(reverse("engagement:batch_undo", args=[batch.pk]))
    assert response.status_code == 404
    assert ActivityParticipant.objects.count() == 1


def test_it_marks_the_chosen_persons_reviewed(client_for, xingning_user, make_person):
    a, b = make_person("张三"), make_person("李四")
    client = client_for(xingning_user)
    response = client.post(BULK, {"action": "review", "ids": [a.pk, b.pk], "do-note": ""})
    assert response.status_code == 200
    assert f"{timezone.localdate().year}年度更新尚未发起" in response.content.decode()
    cycle = ReviewCycle.objects.create(year=timezone.localdate().year)
    PersonReview.objects.create(cycle=cycle, person=a)
    response = client.post(BULK, {"action": "review", "ids": [a.pk, b.pk], "do-note": "电话核实"})
    assert response.status_code == 302
    assert PersonReview.objects.filter(cycle=cycle).count() == 2
    assert PersonReview.objects.get(person=b).reviewed_by == xingning_user
    assert "已标记 1 人" in client.get(response.url).content.decode()


def test_export_and_forms_go_to_the_existing_pages_with_the_chosen_rows(
    client_for, leader_user, make_person
):
    a, b = make_person("张三"), make_person("李四")
    make_person("王五")
    client = client_for(leader_user)
    response = client.post(BULK, {"action": "export", "ids": [a.pk, b.pk]})
    assert response.status_code == 302
    assert response.url.startswith(reverse("reports:person_export"))
    download = client.get(response.url)
    assert download.status_code == 200
    entry = AuditEntry.objects.get(action="export")
    assert "逐个选择的2人" in str(entry.changes)
    response = client.post(BULK, {"action": "forms", "all": "1"})
    assert response.url.startswith(reverse("reports:form_batch"))
    page = client.get(response.url).content.decode()
    assert 'data-testid="total">3<' in page or "3" in page
