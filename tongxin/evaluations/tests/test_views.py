"""The evaluation pages through the HTTP client: access by region and role,
Chinese messages, the database afterwards and the audit rows."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from tongxin.audit.models import AuditEntry
from tongxin.evaluations import errors, results, rounds, systems
from tongxin.evaluations.models import (
    EvaluationRound,
    EvaluationSheet,
    IndicatorSystem,
    RemovalProposal,
    Score,
)
from tongxin.evaluations.tests.conftest import score, simple_tree
from tongxin.people.models import Person, PersonGroup

pytestmark = pytest.mark.django_db


def tree_post(tree, **header) -> dict:
    data = {"name": "测试体系", **header}
    for n, d in enumerate(tree):
        data[f"d-{n}-name"] = d.name
        data[f"d-{n}-weight"] = str(d.weight)
        for m, i in enumerate(d.indicators):
            data[f"d-{n}-i-{m}-name"] = i.name
            data[f"d-{n}-i-{m}-max"] = str(i.max_points)
            data[f"d-{n}-i-{m}-rubric"] = i.rubric
        data[f"d-{n}-i-{len(d.indicators)}-name"] = ""  # a blank row, ignored
    return data


def sheet_of(evaluation_round, person, evaluator):
    return EvaluationSheet.objects.select_related("round__system", "evaluator", "person").get(
        round=evaluation_round, person=person, evaluator=evaluator
    )


def sheet_post(sheet, a, b, c, action="save") -> dict:
    indicators = [
        i
        for d in systems.system_with_tree(sheet.round.system_id).dimensions.all()
        for i in d.indicators.all()
    ]
    data = {"action": action}
    for indicator, points in zip(indicators, (a, b, c), strict=True):
        data[f"points-{indicator.pk}"] = str(points)
        data[f"note-{indicator.pk}"] = "依据出勤记录"
    return data


# --- indicator systems --------------------------------------------------------


def test_it_lists_city_and_own_region_systems_for_county_staff(
    client_for, xingning_user, qingxiu_user, regions
):
    for user, region in ((xingning_user, "xingning"), (qingxiu_user, "qingxiu")):
        systems.indicator_system_save(
            actor=user,
            system=None,
            name=f"{regions[region].name}体系",
            region=regions[region],
            groups=[],
            dimensions=simple_tree(),
        )
    response = client_for(xingning_user).get(reverse("evaluations:system_list"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "综合评价指标体系（默认）" in text and "兴宁区体系" in text
    assert "青秀区体系" not in text
    other = IndicatorSystem.objects.get(name="青秀区体系")
    assert (
        client_for(xingning_user)
        .get(reverse("evaluations:system_detail", args=[other.pk]))
        .status_code
        == 404
    )


def test_weights_need_not_total_100_until_the_system_is_put_into_use(
    client_for, city_user, make_person, evaluators, regions
):
    tree = simple_tree()
    tree[0].weight = 50
    client = client_for(city_user)
    response = client.post(reverse("evaluations:system_create"), tree_post(tree, name="录入中"))
    assert response.status_code == 302  # saved as entered so far
    system = IndicatorSystem.objects.get(name="录入中")
    detail = client.get(response.url).content.decode()
    assert "各维度权重合计为 90%，须等于 100% 才能用于评价" in detail
    # put into use: a round refuses it, naming the system and the total
    with pytest.raises(errors.EvaluationError) as refused:
        rounds.round_create(
            actor=city_user, name="2026年度", region=regions["city"], system=system,
            persons=Person.objects.filter(pk=make_person("张三").pk), evaluators=evaluators,
            deadline=datetime.date(2026, 12, 31),
        )  # fmt: skip
    assert (
        "指标体系“录入中（第1版）”各维度权重合计为 90%，须等于 100% 才能用于评价"
        in refused.value.messages[0]
    )
    # and so does 启用
    system.is_active = False
    system.save(update_fields=["is_active"])
    client.post(reverse("evaluations:system_set_active", args=[system.pk]), {"active": "1"})
    system.refresh_from_db()
    assert not system.is_active
    tree[0].weight = 60
    client.post(
        reverse("evaluations:system_edit", args=[system.pk]), tree_post(tree, name="录入中")
    )
    client.post(reverse("evaluations:system_set_active", args=[system.pk]), {"active": "1"})
    system.refresh_from_db()
    assert system.is_active


def test_a_used_system_still_needs_100_to_save_its_new_version(
    client_for, city_user, make_round, make_person
):
    evaluation_round = make_round([make_person("张三")])
    tree = simple_tree()
    tree[0].weight = 50
    response = client_for(city_user).post(
        reverse("evaluations:system_edit", args=[evaluation_round.system_id]), tree_post(tree)
    )
    assert response.status_code == 400
    assert "各维度权重合计为 90%，必须等于 100%。" in response.content.decode()


def test_the_editor_takes_four_dimensions_in_one_save(client_for, city_user):
    client = client_for(city_user)
    page = client.get(reverse("evaluations:system_create")).content.decode()
    assert 'name="d-3-name"' in page  # four blank dimensions offered
    tree = [
        systems.DimensionSpec(name, 25, [systems.IndicatorSpec(f"{name}指标", Decimal(10), "")])
        for name in ("政治素质", "履职能力", "社会贡献", "社会影响")
    ]
    response = client.post(reverse("evaluations:system_create"), tree_post(tree, name="四维"))
    assert response.status_code == 302
    system = IndicatorSystem.objects.get(name="四维")
    assert list(system.dimensions.order_by("sort_order").values_list("name", flat=True)) == [
        "政治素质", "履职能力", "社会贡献", "社会影响",
    ]  # fmt: skip
    edit = client.get(reverse("evaluations:system_edit", args=[system.pk])).content.decode()
    assert 'name="d-5-name"' in edit and 'name="d-6-name"' not in edit  # two more blank


def test_it_names_a_non_numeric_weight(client_for, city_user):
    data = tree_post(simple_tree())
    data["d-0-weight"] = "六十"
    response = client_for(city_user).post(reverse("evaluations:system_create"), data)
    assert response.status_code == 400
    assert "维度“政治素质”：权重应为整数。" in response.content.decode()


def test_it_creates_a_system_limited_to_a_group(client_for, city_user):
    group = PersonGroup.objects.get(sort_order=1)
    response = client_for(city_user).post(
        reverse("evaluations:system_create"), tree_post(simple_tree(), groups=[group.pk])
    )
    system = IndicatorSystem.objects.get(name="测试体系")
    assert response.status_code == 302
    assert list(system.groups.all()) == [group]
    assert [(d.name, d.weight) for d in systems.tree_of(system)] == [
        ("政治素质", 60),
        ("社会贡献", 40),
    ]
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.CREATE, object_type="evaluations.indicatorsystem"
    ).exists()


def test_editing_a_used_system_in_the_page_saves_a_new_version(
    client_for, city_user, simple_system, make_round, make_person
):
    make_round([make_person("张三")])
    tree = simple_tree()
    tree[0].weight, tree[1].weight = 50, 50
    response = client_for(city_user).post(
        reverse("evaluations:system_edit", args=[simple_system.pk]), tree_post(tree), follow=True
    )
    assert "修改已保存为第2版" in response.content.decode()
    new = IndicatorSystem.objects.get(copied_from=simple_system)
    assert new.version == 2 and new.is_active
    assert simple_system.dimensions.get(name="政治素质").weight == 60


def test_county_staff_define_only_their_own_regions_system(
    client_for, xingning_user, regions, simple_system
):
    client = client_for(xingning_user)
    response = client.post(
        reverse("evaluations:system_create"),
        tree_post(simple_tree(), name="兴宁体系", region=regions["qingxiu"].pk),
    )
    assert response.status_code == 400
    assert not IndicatorSystem.objects.filter(name="兴宁体系").exists()
    response = client.post(
        reverse("evaluations:system_create"),
        tree_post(simple_tree(), name="兴宁体系", region=regions["xingning"].pk),
    )
    assert response.status_code == 302
    assert IndicatorSystem.objects.get(name="兴宁体系").region == regions["xingning"]
    # the city's system is read-only for them
    assert (
        client.get(reverse("evaluations:system_edit", args=[simple_system.pk])).status_code == 404
    )


def test_leader_reads_systems_but_cannot_write(client_for, leader_user, simple_system):
    client = client_for(leader_user)
    assert client.get(reverse("evaluations:system_list")).status_code == 200
    assert client.get(reverse("evaluations:system_create")).status_code == 404
    assert (
        client.post(
            reverse("evaluations:system_set_active", args=[simple_system.pk]), {"active": "0"}
        ).status_code
        == 404
    )
    simple_system.refresh_from_db()
    assert simple_system.is_active


def test_evaluators_see_no_systems_or_rounds(client_for, evaluators, simple_system):
    client = client_for(evaluators[0])
    assert client.get(reverse("evaluations:system_list")).status_code == 404
    assert client.get(reverse("evaluations:round_list")).status_code == 404
    assert (
        client.get(reverse("evaluations:system_detail", args=[simple_system.pk])).status_code == 404
    )


def test_deactivating_a_system(client_for, city_user, simple_system):
    response = client_for(city_user).post(
        reverse("evaluations:system_set_active", args=[simple_system.pk]),
        {"active": "0"},
        follow=True,
    )
    assert "已停用。" in response.content.decode()
    simple_system.refresh_from_db()
    assert not simple_system.is_active


# --- rounds -------------------------------------------------------------------


def test_city_staff_create_a_round_from_a_person_filter(
    client_for, city_user, make_person, regions, evaluators, simple_system
):
    make_person("张三", region=regions["xingning"], level=Person.Level.CITY)
    make_person("李四", region=regions["qingxiu"], level=Person.Level.CITY)
    make_person("王五", region=regions["qingxiu"], level=Person.Level.RESERVE)
    response = client_for(city_user).post(
        reverse("evaluations:round_create"),
        {
            "name": "2026年度",
            "region": regions["city"].pk,
            "system": simple_system.pk,
            "deadline": "2026-12-31",
            "evaluators": [e.pk for e in evaluators[:2]],
            "p_level": Person.Level.CITY,
        },
    )
    evaluation_round = EvaluationRound.objects.get()
    assert response.status_code == 302
    assert sorted(p.name for p in evaluation_round.persons.all()) == ["张三", "李四"]
    assert evaluation_round.person_filter == {"level": "city", "status": "active", "sort": "recent"}
    assert evaluation_round.status == EvaluationRound.Status.DRAFT


def test_county_staff_cannot_create_a_round_for_another_region(
    client_for, xingning_user, make_person, regions, evaluators, simple_system
):
    make_person("李四", region=regions["qingxiu"])
    response = client_for(xingning_user).post(
        reverse("evaluations:round_create"),
        {
            "name": "2026年度",
            "region": regions["qingxiu"].pk,
            "system": simple_system.pk,
            "deadline": "2026-12-31",
            "evaluators": [evaluators[0].pk],
        },
    )
    assert response.status_code == 400
    assert "所属区域无效，或您无权在该区域组织评价。" in response.content.decode()
    assert not EvaluationRound.objects.exists()


def test_a_round_form_with_no_matching_persons_says_so(
    client_for, city_user, regions, evaluators, simple_system
):
    response = client_for(city_user).post(
        reverse("evaluations:round_create"),
        {
            "name": "2026年度",
            "region": regions["city"].pk,
            "system": simple_system.pk,
            "deadline": "2026-12-31",
            "evaluators": [evaluators[0].pk],
        },
    )
    assert response.status_code == 400
    assert "参评人员：按所选条件没有可参评的在库人员。" in response.content.decode()


def test_leader_cannot_create_open_or_close_rounds(
    client_for, leader_user, make_round, make_person
):
    evaluation_round = make_round([make_person("张三")], open=False)
    client = client_for(leader_user)
    assert client.get(reverse("evaluations:round_create")).status_code == 404
    assert (
        client.post(reverse("evaluations:round_open", args=[evaluation_round.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("evaluations:round_detail", args=[evaluation_round.pk])).status_code
        == 200
    )
    evaluation_round.refresh_from_db()
    assert evaluation_round.status == EvaluationRound.Status.DRAFT


def test_county_staff_cannot_see_or_score_another_regions_round(
    client_for, qingxiu_user, xingning_user, make_round, make_person, regions, evaluators
):
    person = make_person("张三", region=regions["xingning"])
    evaluation_round = make_round([person], region=regions["xingning"], actor=xingning_user)
    sheet = sheet_of(evaluation_round, person, evaluators[0])
    client = client_for(qingxiu_user)
    for name in ("round_detail", "round_export"):
        assert (
            client.get(reverse(f"evaluations:{name}", args=[evaluation_round.pk])).status_code
            == 404
        )
    for name in ("round_open", "round_close"):
        assert (
            client.post(reverse(f"evaluations:{name}", args=[evaluation_round.pk])).status_code
            == 404
        )
    assert client.get(reverse("evaluations:sheet_detail", args=[sheet.pk])).status_code == 404
    assert (
        client.post(
            reverse("evaluations:sheet_detail", args=[sheet.pk]), sheet_post(sheet, 1, 1, 1)
        ).status_code
        == 404
    )
    assert "2026年度" not in client.get(reverse("evaluations:round_list")).content.decode()
    assert not Score.objects.exists()
    evaluation_round.refresh_from_db()
    assert evaluation_round.status == EvaluationRound.Status.OPEN
    # their own region's staff see it
    assert (
        client_for(xingning_user)
        .get(reverse("evaluations:round_detail", args=[evaluation_round.pk]))
        .status_code
        == 200
    )


def test_staff_see_progress_per_evaluator_and_person(
    client_for, city_user, make_round, make_person, evaluators
):
    person = make_person("张三")
    evaluation_round = make_round([person])
    score(sheet_of(evaluation_round, person, evaluators[0]), 10, 10, 15)
    score(sheet_of(evaluation_round, person, evaluators[1]), 5, None, None, submit=False)
    text = (
        client_for(city_user)
        .get(reverse("evaluations:round_detail", args=[evaluation_round.pk]))
        .content.decode()
    )
    assert "评审人进度" in text and "评审1" in text
    assert "1/3" in text and "（2 人未提交）" in text
    assert "90.00" in text


def test_round_pages_pin_their_query_counts(
    client_for, city_user, make_round, make_person, evaluators, django_assert_max_num_queries
):
    persons = [make_person(f"张{i}") for i in range(20)]
    evaluation_round = make_round(persons)
    for person in persons[:10]:
        score(sheet_of(evaluation_round, person, evaluators[0]), 5, 5, 5)
    client = client_for(city_user)
    client.get(reverse("evaluations:round_list"))
    with django_assert_max_num_queries(8):
        assert client.get(reverse("evaluations:round_list")).status_code == 200
    with django_assert_max_num_queries(10):
        assert (
            client.get(reverse("evaluations:round_detail", args=[evaluation_round.pk])).status_code
            == 200
        )
    results.round_close(actor=city_user, evaluation_round=evaluation_round)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("evaluations:round_detail", args=[evaluation_round.pk]))
    assert response.status_code == 200
    evaluator_client = client_for(evaluators[0])
    with django_assert_max_num_queries(9):
        assert evaluator_client.get(reverse("evaluations:my_sheets")).status_code == 200


# --- sheets -------------------------------------------------------------------


def test_an_evaluator_sees_only_their_own_sheets(client_for, make_round, make_person, evaluators):
    person = make_person("张三", employer="南宁某律师事务所", achievements="组织法律援助12次")
    evaluation_round = make_round([person], evaluator_list=evaluators[:2])
    mine = sheet_of(evaluation_round, person, evaluators[0])
    theirs = sheet_of(evaluation_round, person, evaluators[1])
    client = client_for(evaluators[0])
    listing = client.get(reverse("evaluations:my_sheets")).content.decode()
    assert listing.count(reverse("evaluations:sheet_detail", args=[mine.pk])) == 1
    assert reverse("evaluations:sheet_detail", args=[theirs.pk]) not in listing
    response = client.get(reverse("evaluations:sheet_detail", args=[mine.pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "南宁某律师事务所" in text and "组织法律援助12次" in text and "按出勤记录" in text
    # no identifiers on the sheet
    assert person.id_number not in text and person.masked_id_number not in text
    assert person.mobile not in text and person.masked_mobile not in text
    assert client.get(reverse("evaluations:sheet_detail", args=[theirs.pk])).status_code == 404
    assert (
        client.post(
            reverse("evaluations:sheet_detail", args=[theirs.pk]), sheet_post(theirs, 1, 1, 1)
        ).status_code
        == 404
    )
    assert not Score.objects.filter(sheet=theirs).exists()


def test_evaluators_cannot_open_person_pages(client_for, make_round, make_person, evaluators):
    person = make_person("张三")
    make_round([person])
    client = client_for(evaluators[0])
    assert client.get(reverse("people:detail", args=[person.pk])).status_code == 404
    assert client.get(reverse("people:list")).status_code == 200
    assert "张三" not in client.get(reverse("people:list")).content.decode()


def test_a_score_above_the_maximum_is_refused_on_the_page(
    client_for, make_round, make_person, evaluators
):
    person = make_person("张三")
    sheet = sheet_of(make_round([person]), person, evaluators[0])
    response = client_for(evaluators[0]).post(
        reverse("evaluations:sheet_detail", args=[sheet.pk]), sheet_post(sheet, 10, 11, 15)
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "“活动参加”的得分不能超过满分 10 分。" in text
    assert 'value="11"' in text  # what was typed stays in the form
    assert not Score.objects.filter(sheet=sheet).exists()


def test_an_evaluator_saves_a_draft_and_submits(client_for, make_round, make_person, evaluators):
    person = make_person("张三")
    sheet = sheet_of(make_round([person]), person, evaluators[0])
    client = client_for(evaluators[0])
    url = reverse("evaluations:sheet_detail", args=[sheet.pk])
    response = client.post(url, sheet_post(sheet, 10, 10, 15), follow=True)
    assert "草稿已保存。" in response.content.decode()
    sheet.refresh_from_db()
    assert sheet.status == EvaluationSheet.Status.DRAFT and sheet.scores.count() == 3
    response = client.post(url, sheet_post(sheet, 10, 10, 15, action="submit"), follow=True)
    assert "已提交对 张三 的评分。" in response.content.decode()
    sheet.refresh_from_db()
    assert sheet.status == EvaluationSheet.Status.SUBMITTED
    assert sheet.total == Decimal("90.00")
    assert sheet.history.count() >= 2
    assert (
        AuditEntry.objects.filter(
            object_type="evaluations.evaluationsheet", object_id=str(sheet.pk)
        ).count()
        == 2
    )
    # submitted sheets are read-only
    assert client.post(url, sheet_post(sheet, 1, 1, 1)).status_code == 404


# --- results, export and proposals --------------------------------------------


def _closed_round(city_user, make_round, make_person, evaluators, points):
    persons = [make_person(name, employer=employer) for name, employer in points]
    evaluation_round = make_round(persons, evaluator_list=evaluators[:1])
    return persons, evaluation_round


def test_closing_shows_ranked_results_and_grades(
    client_for, city_user, make_round, make_person, evaluators
):
    good, bad = make_person("张三"), make_person("李四")
    evaluation_round = make_round([good, bad], evaluator_list=evaluators[:1])
    score(sheet_of(evaluation_round, good, evaluators[0]), 10, 10, 15)
    score(sheet_of(evaluation_round, bad, evaluators[0]), 5, 5, 5)
    client = client_for(city_user)
    response = client.post(
        reverse("evaluations:round_close", args=[evaluation_round.pk]), follow=True
    )
    text = response.content.decode()
    assert "批次已结束，结果已锁定。有 1 人评为最低等次" in text
    assert 'data-grade="A"' in text and 'data-grade="D"' in text
    results = text.split('data-testid="results"')[1]
    assert results.index("张三") < results.index("90.00") < results.index("李四")
    evaluation_round.refresh_from_db()
    assert evaluation_round.status == EvaluationRound.Status.CLOSED
    assert evaluation_round.grade_bands == [["A", 90.0], ["B", 75.0], ["C", 60.0], ["D", 0.0]]
    # the grade filter
    text = client.get(
        reverse("evaluations:round_detail", args=[evaluation_round.pk]), {"grade": "D"}
    ).content.decode()
    assert "李四" in text.split('data-testid="results"')[1]
    assert "张三" not in text.split('data-testid="results"')[1]


def test_the_export_is_ranked_and_formula_safe(
    client_for, city_user, make_round, make_person, evaluators
):
    person = make_person("张三", employer='=HYPERLINK("http://x")')
    evaluation_round = make_round([person], evaluator_list=evaluators[:1])
    score(sheet_of(evaluation_round, person, evaluators[0]), 10, 10, 15)
    results.round_close(actor=city_user, evaluation_round=evaluation_round)
    response = client_for(city_user).get(
        reverse("evaluations:round_export", args=[evaluation_round.pk])
    )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    rows = rows.to_python()
    assert rows[1][:2] == ["名次", "姓名"]
    assert rows[2][1] == "张三" and rows[2][6] == 90.0 and rows[2][-1] == "A"
    assert rows[2][4] == '=HYPERLINK("http://x")'
    import zipfile

    sheet_xml = zipfile.ZipFile(io.BytesIO(response.content)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml  # stored as text, never a formula
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.EXPORT, object_id=str(evaluation_round.pk)
    ).exists()


def test_no_export_before_closing(client_for, city_user, make_round, make_person):
    evaluation_round = make_round([make_person("张三")])
    assert (
        client_for(city_user)
        .get(reverse("evaluations:round_export", args=[evaluation_round.pk]))
        .status_code
        == 404
    )


def _with_proposal(city_user, make_round, make_person, evaluators, region=None, actor=None):
    person = make_person("李四", region=region) if region else make_person("李四")
    evaluation_round = make_round(
        [person], evaluator_list=evaluators[:1], region=region, actor=actor
    )
    score(sheet_of(evaluation_round, person, evaluators[0]), 5, 5, 5)
    results.round_close(actor=actor or city_user, evaluation_round=evaluation_round)
    return person, RemovalProposal.objects.get(round=evaluation_round)


def test_confirming_a_proposal_on_the_page_archives_the_person(
    client_for, city_user, make_round, make_person, evaluators
):
    person, proposal = _with_proposal(city_user, make_round, make_person, evaluators)
    client = client_for(city_user)
    url = reverse("evaluations:proposal_decide", args=[proposal.pk])
    response = client.post(url, {"decision": "confirm", "reason": ""}, follow=True)
    assert "李四：请填写决定理由。" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == RemovalProposal.Status.PROPOSED
    response = client.post(url, {"decision": "confirm", "reason": "评价不合格"}, follow=True)
    assert "李四：已确认出库。" in response.content.decode()
    person.refresh_from_db()
    assert person.status == Person.Status.ARCHIVED
    assert person.get_archived_reason_display() == "综合评价D级"
    detail = client.get(reverse("people:detail", args=[person.pk])).content.decode()
    assert "出库：综合评价D级" in detail
    assert 'data-testid="grade-history"' in detail and "40.00" in detail


def test_other_regions_and_leaders_cannot_decide_proposals(
    client_for,
    xingning_user,
    qingxiu_user,
    leader_user,
    make_round,
    make_person,
    regions,
    evaluators,
):
    person, proposal = _with_proposal(
        xingning_user,
        make_round,
        make_person,
        evaluators,
        region=regions["xingning"],
        actor=xingning_user,
    )
    url = reverse("evaluations:proposal_decide", args=[proposal.pk])
    for user in (qingxiu_user, leader_user):
        assert client_for(user).post(url, {"decision": "confirm", "reason": "x"}).status_code == 404
    proposal.refresh_from_db()
    person.refresh_from_db()
    assert proposal.status == RemovalProposal.Status.PROPOSED
    assert person.status == Person.Status.ACTIVE


def test_rejecting_on_the_page_keeps_the_person(
    client_for, city_user, make_round, make_person, evaluators
):
    person, proposal = _with_proposal(city_user, make_round, make_person, evaluators)
    response = client_for(city_user).post(
        reverse("evaluations:proposal_decide", args=[proposal.pk]),
        {"decision": "reject", "reason": "评分分歧大，下年度复评"},
        follow=True,
    )
    assert "李四：不予出库，保留在库。" in response.content.decode()
    proposal.refresh_from_db()
    person.refresh_from_db()
    assert proposal.status == RemovalProposal.Status.REJECTED
    assert person.status == Person.Status.ACTIVE


# --- navigation ---------------------------------------------------------------


def test_the_sidebar_follows_the_role(client_for, city_user, evaluators):
    text = client_for(city_user).get(reverse("evaluations:round_list")).content.decode()
    assert "综合评价" in text and "评价指标体系" in text
    text = client_for(evaluators[0]).get(reverse("evaluations:my_sheets")).content.decode()
    assert "我的评审" in text and "评价指标体系" not in text


# --- pages render -------------------------------------------------------------


def test_the_forms_and_detail_pages_render(
    client_for, city_user, simple_system, make_round, make_person
):
    evaluation_round = make_round([make_person("张三")], open=False)
    client = client_for(city_user)
    pages = {
        reverse("evaluations:system_create"): "新建指标体系",
        reverse("evaluations:system_edit", args=[simple_system.pk]): "学习出勤",
        reverse("evaluations:system_detail", args=[simple_system.pk]): "按出勤记录",
        reverse("evaluations:round_create"): "参评人员（按条件选取）",
        reverse("evaluations:round_detail", args=[evaluation_round.pk]): "开始评审",
        reverse("evaluations:my_sheets"): "没有分配给您的评分表",
    }
    for url, text in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url
    response = client.post(
        reverse("evaluations:round_open", args=[evaluation_round.pk]), follow=True
    )
    assert "评审已开始" in response.content.decode()
    assert EvaluationSheet.objects.filter(round=evaluation_round).count() == 3


def test_closing_with_unsubmitted_sheets_needs_their_number_confirmed(
    client_for, city_user, make_round, make_person, evaluators
):
    a, b = make_person("张三"), make_person("李四")
    evaluation_round = make_round([a, b], evaluator_list=evaluators[:2])
    score(sheet_of(evaluation_round, a, evaluators[0]), 10, 10, 15)  # 3 of 4 sheets open
    client = client_for(city_user)
    url = reverse("evaluations:round_detail", args=[evaluation_round.pk])
    page = client.get(url).content.decode()
    assert 'name="unsubmitted" value="3"' in page and "还有 3 份评分表未提交" in page
    close = reverse("evaluations:round_close", args=[evaluation_round.pk])
    for data in ({}, {"unsubmitted": "2"}):
        text = client.post(close, data, follow=True).content.decode()
        assert "还有 3 份评分表未提交，未提交的评分不计入结果" in text
        evaluation_round.refresh_from_db()
        assert evaluation_round.status == EvaluationRound.Status.OPEN
        assert not AuditEntry.objects.filter(changes__has_key="等次分布").exists()
    client.post(close, {"unsubmitted": "3"})
    evaluation_round.refresh_from_db()
    assert evaluation_round.status == EvaluationRound.Status.CLOSED
