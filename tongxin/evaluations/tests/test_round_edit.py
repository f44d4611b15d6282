"""Editing a draft round (name, deadline, system, persons, evaluators) and the
new-round form's live count, through the HTTP client: access by region and
role, Chinese messages, the database afterwards and the audit rows."""

import datetime
import re

import pytest
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.evaluations import errors, results, rounds, systems
from tongxin.evaluations.models import EvaluationRound, EvaluationSheet, RoundPerson
from tongxin.evaluations.tests.conftest import score, simple_tree
from tongxin.people.models import Person, PersonGroup
from tongxin.people.services import person_archive

pytestmark = pytest.mark.django_db


def round_audits(evaluation_round):
    return AuditEntry.objects.filter(
        object_type="evaluations.evaluationround", object_id=str(evaluation_round.pk)
    ).order_by("id")


def names_in(evaluation_round) -> list[str]:
    return sorted(evaluation_round.persons.values_list("name", flat=True))


def preview_count(response) -> int:
    match = re.search(r"将(?:纳入|新增) (\d+) 人", response.content.decode())
    assert match, response.content.decode()
    return int(match.group(1))


def text_of(response) -> str:
    return response.content.decode()


def archived(person):
    return person_archive(
        actor=None,
        person=person,
        reason=Person.ArchiveReason.OTHER,
        on_date=datetime.date(2026, 1, 1),
    )


@pytest.fixture
def other_system(city_user):
    return systems.indicator_system_save(
        actor=city_user,
        system=None,
        name="另一体系",
        region=None,
        groups=[],
        dimensions=simple_tree(),
    )


# --- editing a draft ----------------------------------------------------------


def test_it_changes_a_drafts_name_deadline_and_system(
    client_for, city_user, make_round, make_person, other_system
):
    evaluation_round = make_round([make_person("张三")], open=False)
    old_system = evaluation_round.system
    client = client_for(city_user)
    url = reverse("evaluations:round_edit", args=[evaluation_round.pk])
    page = text_of(client.get(url))
    assert "修改批次信息" in page and 'value="2026-12-31"' in page
    response = client.post(
        url,
        {"name": "2026年度（补评）", "deadline": "2027-01-15", "system": other_system.pk},
        follow=True,
    )
    assert "批次信息已保存。" in text_of(response)
    evaluation_round.refresh_from_db()
    assert evaluation_round.name == "2026年度（补评）"
    assert evaluation_round.deadline == datetime.date(2027, 1, 15)
    assert evaluation_round.system == other_system
    entry = round_audits(evaluation_round).last()
    assert entry.action == AuditEntry.Action.UPDATE and entry.username == "city"
    assert entry.changes == {
        "批次名称": ["2026年度", "2026年度（补评）"],
        "截止日期": ["2026-12-31", "2027-01-15"],
        "指标体系": [str(old_system), str(other_system)],
    }
    # the round page shows the change
    changes = text_of(response).split('data-testid="round-changes"')[1]
    assert "2026年度 → 2026年度（补评）" in changes and "2026-12-31 → 2027-01-15" in changes


def test_an_unchanged_save_writes_no_audit_row(client_for, city_user, make_round, make_person):
    evaluation_round = make_round([make_person("张三")], open=False)
    before = round_audits(evaluation_round).count()
    response = client_for(city_user).post(
        reverse("evaluations:round_edit", args=[evaluation_round.pk]),
        {"name": "2026年度", "deadline": "2026-12-31", "system": evaluation_round.system_id},
    )
    assert response.status_code == 302
    assert round_audits(evaluation_round).count() == before


def test_a_blank_name_is_refused_naming_the_field(client_for, city_user, make_round, make_person):
    evaluation_round = make_round([make_person("张三")], open=False)
    response = client_for(city_user).post(
        reverse("evaluations:round_edit", args=[evaluation_round.pk]),
        {"name": "", "deadline": "2026-12-31", "system": evaluation_round.system_id},
    )
    assert response.status_code == 400
    assert "请填写批次名称" in text_of(response)
    evaluation_round.refresh_from_db()
    assert evaluation_round.name == "2026年度"


def test_a_system_that_excludes_persons_in_the_round_is_refused_naming_them(
    client_for, city_user, make_round, make_person
):
    second = PersonGroup.objects.get(sort_order=2)
    limited = systems.indicator_system_save(
        actor=city_user,
        system=None,
        name="中介组织体系",
        region=None,
        groups=[second],
        dimensions=simple_tree(),
    )
    evaluation_round = make_round(
        [make_person("张三"), make_person("李四", group=second)], open=False
    )
    original = evaluation_round.system
    response = client_for(city_user).post(
        reverse("evaluations:round_edit", args=[evaluation_round.pk]),
        {"name": "2026年度", "deadline": "2026-12-31", "system": limited.pk},
    )
    assert response.status_code == 400
    assert f"指标体系：“{limited}”只适用于{second.name}，本批次中张三不属于这些类别" in text_of(
        response
    )
    evaluation_round.refresh_from_db()
    assert evaluation_round.system == original


def test_a_county_round_cannot_take_another_regions_system(
    client_for, xingning_user, qingxiu_user, make_round, make_person, regions
):
    qingxiu_system = systems.indicator_system_save(
        actor=qingxiu_user,
        system=None,
        name="青秀区体系",
        region=regions["qingxiu"],
        groups=[],
        dimensions=simple_tree(),
    )
    evaluation_round = make_round(
        [make_person("张三")], region=regions["xingning"], actor=xingning_user, open=False
    )
    with pytest.raises(errors.EvaluationError, match="该体系未启用，或不适用于本批次的区域"):
        rounds.round_update(
            actor=xingning_user,
            evaluation_round=evaluation_round,
            name="2026年度",
            deadline=datetime.date(2026, 12, 31),
            system=qingxiu_system,
        )
    response = client_for(xingning_user).post(
        reverse("evaluations:round_edit", args=[evaluation_round.pk]),
        {"name": "2026年度", "deadline": "2026-12-31", "system": qingxiu_system.pk},
    )
    assert response.status_code == 400
    assert "指标体系无效。" in text_of(response)


def test_it_adds_persons_by_the_person_filter(
    client_for, city_user, make_round, make_person, regions
):
    evaluation_round = make_round([make_person("张三")], open=False)
    make_person("李四", region=regions["qingxiu"], level=Person.Level.CITY)
    make_person("王五", region=regions["qingxiu"], level=Person.Level.RESERVE)
    archived(make_person("赵六", level=Person.Level.CITY))
    client = client_for(city_user)
    detail = reverse("evaluations:round_detail", args=[evaluation_round.pk])
    page = client.get(detail, {"p_level": Person.Level.CITY})
    assert preview_count(page) == 1  # 李四; 赵六 has left the database
    response = client.post(
        reverse("evaluations:round_persons_add", args=[evaluation_round.pk]),
        {"p_level": Person.Level.CITY},
        follow=True,
    )
    assert "已新增 1 名参评人员。" in text_of(response)
    assert names_in(evaluation_round) == ["张三", "李四"]
    assert (
        "李四" in text_of(response).split('data-testid="person-progress"')[1].split("</table>")[0]
    )
    entry = round_audits(evaluation_round).last()
    assert entry.changes["新增参评人员"] == "李四"
    assert entry.changes["参评人数"] == [1, 2]
    assert entry.changes["选人条件"] == "分级：市级重点联系；状态：在库"
    # once more: nobody new matches, and nothing changes
    response = client.post(
        reverse("evaluations:round_persons_add", args=[evaluation_round.pk]),
        {"p_level": Person.Level.CITY},
        follow=True,
    )
    assert "没有可新增的在库人员（已在本批次的人员不会重复加入）" in text_of(response)
    assert RoundPerson.objects.filter(round=evaluation_round).count() == 2


def test_a_county_round_takes_only_its_regions_persons(
    client_for, city_user, xingning_user, make_round, make_person, regions
):
    evaluation_round = make_round(
        [make_person("张三")], region=regions["xingning"], actor=xingning_user, open=False
    )
    make_person("李四", region=regions["xingning"])
    make_person("王五", region=regions["qingxiu"])
    # even city staff, who see both regions, add only the round's region's persons
    client_for(city_user).post(
        reverse("evaluations:round_persons_add", args=[evaluation_round.pk]), {}
    )
    assert names_in(evaluation_round) == ["张三", "李四"]


def test_it_removes_a_person_from_a_draft(client_for, city_user, make_round, make_person):
    zhang, li = make_person("张三"), make_person("李四")
    evaluation_round = make_round([zhang, li], open=False)
    response = client_for(city_user).post(
        reverse("evaluations:round_person_remove", args=[evaluation_round.pk, li.pk]),
        follow=True,
    )
    assert "已将李四移出本批次。" in text_of(response)
    assert names_in(evaluation_round) == ["张三"]
    assert Person.objects.filter(pk=li.pk).exists()
    entry = round_audits(evaluation_round).last()
    assert entry.changes == {"移出参评人员": "李四", "参评人数": [2, 1]}
    assert "移出参评人员" in text_of(response).split('data-testid="round-changes"')[1]
    # the last person stays
    response = client_for(city_user).post(
        reverse("evaluations:round_person_remove", args=[evaluation_round.pk, zhang.pk]),
        follow=True,
    )
    assert "参评人员：本批次至少保留一名参评人员。" in text_of(response)
    assert names_in(evaluation_round) == ["张三"]
    # a person not in the round answers 404
    assert (
        client_for(city_user)
        .post(reverse("evaluations:round_person_remove", args=[evaluation_round.pk, li.pk]))
        .status_code
        == 404
    )


def test_it_adds_and_removes_evaluators_and_opening_gives_every_pair_a_sheet(
    client_for, city_user, make_round, make_person, evaluators
):
    zhang = make_person("张三")
    evaluation_round = make_round([zhang], evaluator_list=evaluators[:1], open=False)
    client = client_for(city_user)
    response = client.post(
        reverse("evaluations:round_evaluators_add", args=[evaluation_round.pk]),
        {"evaluators": [evaluators[1].pk, evaluators[2].pk]},
        follow=True,
    )
    assert "已添加评审人：评审2、评审3。" in text_of(response)
    assert set(evaluation_round.evaluators.all()) == set(evaluators)
    entry = round_audits(evaluation_round).last()
    assert entry.changes == {"新增评审人": "评审2、评审3", "评审人数": [1, 3]}

    response = client.post(
        reverse("evaluations:round_evaluator_remove", args=[evaluation_round.pk, evaluators[0].pk]),
        follow=True,
    )
    assert "已移除评审人评审1。" in text_of(response)
    assert set(evaluation_round.evaluators.all()) == set(evaluators[1:])
    assert round_audits(evaluation_round).last().changes == {
        "移除评审人": "评审1",
        "评审人数": [3, 2],
    }
    # an evaluator already in the round is not offered again
    response = client.post(
        reverse("evaluations:round_evaluators_add", args=[evaluation_round.pk]),
        {"evaluators": [evaluators[1].pk]},
        follow=True,
    )
    assert "评审人无效，或已在本批次中。" in text_of(response)

    li = make_person("李四")
    client.post(
        reverse("evaluations:round_persons_add", args=[evaluation_round.pk]), {"p_q": "李四"}
    )
    rounds.round_open(actor=city_user, evaluation_round=evaluation_round)
    pairs = set(
        EvaluationSheet.objects.filter(round=evaluation_round).values_list(
            "person_id", "evaluator_id"
        )
    )
    assert pairs == {(p.pk, e.pk) for p in (zhang, li) for e in evaluators[1:]}


def test_the_last_evaluator_stays(client_for, city_user, make_round, make_person, evaluators):
    evaluation_round = make_round([make_person("张三")], evaluator_list=evaluators[:1], open=False)
    response = client_for(city_user).post(
        reverse("evaluations:round_evaluator_remove", args=[evaluation_round.pk, evaluators[0].pk]),
        follow=True,
    )
    assert "评审人：本批次至少保留一名评审人。" in text_of(response)
    assert list(evaluation_round.evaluators.all()) == [evaluators[0]]


# --- refusals -----------------------------------------------------------------


def _edit_requests(evaluation_round, person, evaluator, new_evaluator):
    pk = evaluation_round.pk
    return [
        (
            reverse("evaluations:round_edit", args=[pk]),
            {"name": "改名", "deadline": "2027-01-01", "system": evaluation_round.system_id},
            "修改批次信息",
        ),
        (reverse("evaluations:round_persons_add", args=[pk]), {}, "添加参评人员"),
        (
            reverse("evaluations:round_person_remove", args=[pk, person.pk]),
            {},
            "移出参评人员",
        ),
        (
            reverse("evaluations:round_evaluators_add", args=[pk]),
            {"evaluators": [new_evaluator.pk]},
            "添加评审人",
        ),
        (
            reverse("evaluations:round_evaluator_remove", args=[pk, evaluator.pk]),
            {},
            "移除评审人",
        ),
    ]


@pytest.mark.parametrize("closed", [False, True])
def test_edits_are_refused_once_the_round_is_open_or_closed(
    client_for, city_user, make_round, make_person, evaluators, closed
):
    zhang, li = make_person("张三"), make_person("李四")
    evaluation_round = make_round([zhang, li], evaluator_list=evaluators[:2])
    if closed:
        results.round_close(actor=city_user, evaluation_round=evaluation_round)
    make_person("王五")
    state = "该批次已结束" if closed else "该批次已开始评审"
    audits = round_audits(evaluation_round).count()
    client = client_for(city_user)
    for url, data, doing in _edit_requests(evaluation_round, li, evaluators[1], evaluators[2]):
        response = client.post(url, data, follow=True)
        assert f"{state}，不能再{doing}；只有草稿状态的批次可以修改。" in text_of(response), url
    # the edit page itself says so too
    response = client.get(
        reverse("evaluations:round_edit", args=[evaluation_round.pk]), follow=True
    )
    assert f"{state}，不能再修改批次信息" in text_of(response)
    assert "添加参评人员（按条件选取）" not in text_of(response)
    evaluation_round.refresh_from_db()
    assert evaluation_round.name == "2026年度"
    assert names_in(evaluation_round) == ["张三", "李四"]
    assert set(evaluation_round.evaluators.all()) == set(evaluators[:2])
    assert EvaluationSheet.objects.filter(round=evaluation_round).count() == 4
    assert round_audits(evaluation_round).count() == audits


def test_a_scored_evaluator_or_person_is_never_removed(
    client_for, city_user, make_round, make_person, evaluators
):
    zhang, li = make_person("张三"), make_person("李四")
    evaluation_round = make_round([zhang, li], evaluator_list=evaluators[:2])
    sheet = EvaluationSheet.objects.get(
        round=evaluation_round, person=zhang, evaluator=evaluators[0]
    )
    score(sheet, 5, None, None, submit=False)  # a draft score is already work to keep
    client = client_for(city_user)
    response = client.post(
        reverse("evaluations:round_evaluator_remove", args=[evaluation_round.pk, evaluators[0].pk]),
        follow=True,
    )
    assert "评审人评审1已评分 1 份，不能移除，否则其评分将丢失。" in text_of(response)
    response = client.post(
        reverse("evaluations:round_person_remove", args=[evaluation_round.pk, zhang.pk]),
        follow=True,
    )
    assert "张三已有评审人评分（评审1），不能移出本批次，否则评分将丢失。" in text_of(response)
    assert set(evaluation_round.evaluators.all()) == set(evaluators[:2])
    assert names_in(evaluation_round) == ["张三", "李四"]
    assert sheet.scores.count() == 1


def test_scores_are_kept_whatever_the_status(city_user, make_round, make_person, evaluators):
    """The scored check comes before the status check: even a draft (say, restored
    from a backup with its sheets) never loses a score."""
    zhang, li = make_person("张三"), make_person("李四")
    evaluation_round = make_round([zhang, li], evaluator_list=evaluators[:2])
    sheet = EvaluationSheet.objects.get(round=evaluation_round, person=li, evaluator=evaluators[1])
    score(sheet, 10, 10, 20)
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(
        status=EvaluationRound.Status.DRAFT
    )
    with pytest.raises(errors.EvaluationError, match="评审人评审2已评分 1 份"):
        rounds.round_evaluator_remove(
            actor=city_user, evaluation_round=evaluation_round, evaluator=evaluators[1]
        )
    with pytest.raises(errors.EvaluationError, match="李四已有评审人评分（评审2）"):
        rounds.round_person_remove(actor=city_user, evaluation_round=evaluation_round, person=li)
    with pytest.raises(errors.EvaluationError, match="已有评审人评分，不能更换指标体系"):
        rounds.round_update(
            actor=city_user,
            evaluation_round=evaluation_round,
            name="2026年度",
            deadline=datetime.date(2026, 12, 31),
            system=systems.indicator_system_save(
                actor=city_user,
                system=None,
                name="另一体系",
                region=None,
                groups=[],
                dimensions=simple_tree(),
            ),
        )


# --- access -------------------------------------------------------------------


def _all_new_views(evaluation_round, person, evaluator, new_evaluator):
    pk = evaluation_round.pk
    return [
        ("get", reverse("evaluations:round_edit", args=[pk]), {}),
        *(
            ("post", url, data)
            for url, data, _ in _edit_requests(evaluation_round, person, evaluator, new_evaluator)
        ),
        ("get", reverse("evaluations:round_persons_preview", args=[pk]), {}),
    ]


def test_another_regions_staff_get_404_on_every_edit_view(
    client_for, xingning_user, qingxiu_user, make_round, make_person, regions, evaluators
):
    zhang, li = make_person("张三"), make_person("李四")
    evaluation_round = make_round(
        [zhang, li],
        region=regions["xingning"],
        actor=xingning_user,
        evaluator_list=evaluators[:2],
        open=False,
    )
    make_person("王五")
    client = client_for(qingxiu_user)
    for method, url, data in _all_new_views(evaluation_round, li, evaluators[1], evaluators[2]):
        assert getattr(client, method)(url, data).status_code == 404, url
    # nor may they prepare a round for that region
    response = client.get(reverse("evaluations:round_preview"), {"region": regions["xingning"].pk})
    assert response.status_code == 404
    evaluation_round.refresh_from_db()
    assert evaluation_round.name == "2026年度"
    assert names_in(evaluation_round) == ["张三", "李四"]
    assert set(evaluation_round.evaluators.all()) == set(evaluators[:2])
    assert not round_audits(evaluation_round).filter(username="qingxiu").exists()


@pytest.mark.parametrize("role", ["leader", "evaluator"])
def test_leaders_and_evaluators_cannot_edit(
    client_for, leader_user, make_round, make_person, evaluators, role
):
    zhang, li = make_person("张三"), make_person("李四")
    evaluation_round = make_round([zhang, li], evaluator_list=evaluators[:2], open=False)
    make_person("王五")
    user = leader_user if role == "leader" else evaluators[0]
    client = client_for(user)
    for method, url, data in _all_new_views(evaluation_round, li, evaluators[1], evaluators[2]):
        assert getattr(client, method)(url, data).status_code == 404, url
    assert client.get(reverse("evaluations:round_preview")).status_code == 404
    evaluation_round.refresh_from_db()
    assert names_in(evaluation_round) == ["张三", "李四"]
    assert set(evaluation_round.evaluators.all()) == set(evaluators[:2])
    assert not round_audits(evaluation_round).filter(username=user.username).exists()
    if role == "leader":  # the leader reads the round, without the edit controls
        text = text_of(client.get(reverse("evaluations:round_detail", args=[evaluation_round.pk])))
        assert "变更记录" in text
        assert "修改批次信息" not in text and "添加参评人员" not in text


# --- the live count -----------------------------------------------------------


@pytest.fixture
def population(make_person, regions):
    second = PersonGroup.objects.get(sort_order=2)
    make_person("张三", region=regions["xingning"], level=Person.Level.CITY)
    make_person("张四", region=regions["xingning"], level=Person.Level.COUNTY)
    make_person("李四", region=regions["qingxiu"], level=Person.Level.CITY)
    make_person("李五", region=regions["qingxiu"], level=Person.Level.CITY, group=second)
    make_person("王五", region=regions["xingning"], level=Person.Level.CITY, group=second)
    archived(make_person("赵六", region=regions["xingning"], level=Person.Level.CITY))
    return second


@pytest.mark.parametrize(
    ("username", "region", "filters", "limited", "expected"),
    [
        ("city", "city", {}, False, 5),
        ("city", "city", {"p_level": "city"}, False, 4),
        ("city", "city", {"p_level": "city"}, True, 2),
        ("city", "xingning", {"p_level": "city"}, False, 2),
        ("city", "city", {"p_q": "李"}, False, 2),
        ("xingning", "xingning", {}, False, 3),
        ("xingning", "xingning", {"p_level": "county"}, False, 1),
    ],
)
def test_the_preview_count_equals_the_persons_the_round_gets(
    client_for,
    city_user,
    xingning_user,
    evaluators,
    simple_system,
    population,
    regions,
    username,
    region,
    filters,
    limited,
    expected,
):
    system = simple_system
    if limited:
        system = systems.indicator_system_save(
            actor=city_user,
            system=None,
            name="中介组织体系",
            region=None,
            groups=[population],
            dimensions=simple_tree(),
        )
    user = {"city": city_user, "xingning": xingning_user}[username]
    client = client_for(user)
    choice = {"region": regions[region].pk, "system": system.pk}
    preview = client.get(reverse("evaluations:round_preview"), {**choice, **filters})
    assert preview.status_code == 200
    assert preview_count(preview) == expected
    # the form page, opened with the same choice, says the same
    assert (
        preview_count(client.get(reverse("evaluations:round_create"), {**choice, **filters}))
        == expected
    )
    response = client.post(
        reverse("evaluations:round_create"),
        {
            "name": "2026年度",
            "deadline": "2026-12-31",
            "evaluators": [evaluators[0].pk],
            **choice,
            **filters,
        },
    )
    assert response.status_code == 302
    assert EvaluationRound.objects.get().persons.count() == expected


def test_a_county_users_preview_counts_only_their_region(
    client_for, xingning_user, population, simple_system
):
    response = client_for(xingning_user).get(reverse("evaluations:round_preview"))
    assert "将纳入 3 人" in text_of(response)
    assert "选定所属区域和指标体系后人数可能减少" in text_of(response)


def test_the_preview_flags_a_system_of_another_region(
    client_for, city_user, qingxiu_user, regions, population
):
    qingxiu_system = systems.indicator_system_save(
        actor=qingxiu_user,
        system=None,
        name="青秀区体系",
        region=regions["qingxiu"],
        groups=[],
        dimensions=simple_tree(),
    )
    response = client_for(city_user).get(
        reverse("evaluations:round_preview"),
        {"region": regions["xingning"].pk, "system": qingxiu_system.pk},
    )
    assert "所选指标体系属于其他区域，不能用于所选区域的批次。" in text_of(response)


def test_the_new_round_form_wires_the_live_count(client_for, city_user, population):
    text = text_of(client_for(city_user).get(reverse("evaluations:round_create")))
    assert "将纳入 5 人" in text
    assert f'hx-get="{reverse("evaluations:round_preview")}"' in text
    assert "change from:closest form" in text
    assert "hx-include=\"#id_region, #id_system, [name^='p_']\"" in text


def test_the_add_persons_preview_equals_the_persons_added(
    client_for, city_user, make_round, population
):
    evaluation_round = make_round(Person.objects.filter(name="张三"), open=False)
    client = client_for(city_user)
    url = reverse("evaluations:round_persons_preview", args=[evaluation_round.pk])
    assert preview_count(client.get(url, {"p_level": "city"})) == 3  # 张三 is in already
    client.post(
        reverse("evaluations:round_persons_add", args=[evaluation_round.pk]), {"p_level": "city"}
    )
    assert names_in(evaluation_round) == sorted(["张三", "李四", "李五", "王五"])


def test_the_draft_page_pins_its_query_count(
    client_for, city_user, make_round, make_person, django_assert_max_num_queries
):
    evaluation_round = make_round([make_person(f"张{i}") for i in range(20)], open=False)
    for i in range(3):
        rounds.round_person_remove(
            actor=city_user,
            evaluation_round=evaluation_round,
            person=evaluation_round.persons.get(name=f"张{i}"),
        )
    client = client_for(city_user)
    url = reverse("evaluations:round_detail", args=[evaluation_round.pk])
    client.get(url)
    # + 1: the placement (regions.scope); + 1: the ids of the round's subtree
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert response.status_code == 200
    assert "将新增 3 人" in text_of(response)  # the three taken out may come back
    assert text_of(response).count("移出参评人员") == 3
