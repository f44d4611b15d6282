import datetime

import pytest
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.service import services
from tongxin.service.models import Suggestion, local_today

pytestmark = pytest.mark.django_db


def form(region, submitters, **overrides) -> dict:
    data = {
        "region": region.pk,
        "title": "关于优化新就业形态劳动者权益保障的建议",
        "topic": "营商环境",
        "submitted_on": local_today().isoformat(),
        "content": "建议完善平台用工的职业伤害保障。",
        "submitters": [p.pk for p in submitters],
    }
    data |= overrides
    return data


@pytest.fixture
def suggestion(admin_user, make_person, regions):
    zhang = make_person("张三")
    return services.suggestion_create(
        actor=admin_user,
        data={
            "region": regions["xingning"],
            "title": "关于建设文创园区的建议",
            "content": "建议盘活闲置厂房。",
            "topic": "文化建设",
            "submitted_on": local_today(),
        },
        submitters=[zhang],
    )


def audit_rows(obj, action):
    return AuditEntry.objects.filter(
        object_type="service.suggestion", object_id=str(obj.pk), action=action
    )


def test_it_creates_a_suggestion_with_several_submitters(
    client_for, xingning_user, make_person, regions
):
    zhang, li = make_person("张三"), make_person("李四")
    response = client_for(xingning_user).post(
        reverse("service:suggestion_create"), form(regions["xingning"], [zhang, li])
    )
    assert response.status_code == 302
    s = Suggestion.objects.get()
    assert set(s.submitters.all()) == {zhang, li}
    assert s.region == regions["xingning"] and s.stage == "已登记"
    entry = audit_rows(s, "create").get()
    assert entry.changes["submitters"] == [None, "张三、李四"]
    assert s.history.count() == 1


def test_create_form_starts_from_a_person(client_for, xingning_user, make_person):
    zhang = make_person("张三")
    response = client_for(xingning_user).get(
        reverse("service:suggestion_create"), {"person": zhang.pk}
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert f'value="{zhang.pk}" id="chosen-submitters-{zhang.pk}" checked' in text


def test_it_refuses_submitters_or_region_out_of_reach(
    client_for, xingning_user, make_person, regions
):
    zhang = make_person("张三")
    wang = make_person("王五", region=regions["qingxiu"])
    client = client_for(xingning_user)
    response = client.post(
        reverse("service:suggestion_create"), form(regions["xingning"], [zhang, wang])
    )
    assert "所选建言人中有人不存在或不在您负责的区域" in response.content.decode()
    response = client.post(reverse("service:suggestion_create"), form(regions["qingxiu"], [zhang]))
    assert "所选区域不在您负责的范围" in response.content.decode()
    response = client.post(reverse("service:suggestion_create"), form(regions["xingning"], []))
    assert "请至少选择一位建言人" in response.content.decode()
    response = client.post(
        reverse("service:suggestion_create"), form(regions["xingning"], [zhang], title="")
    )
    assert "请填写标题" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_it_edits_with_history_and_audit(client_for, xingning_user, suggestion, make_person):
    li = make_person("李四")
    client = client_for(xingning_user)
    url = reverse("service:suggestion_edit", args=[suggestion.pk])
    assert client.get(url).status_code == 200
    zhang = suggestion.submitters.get()
    response = client.post(
        url, form(suggestion.region, [zhang, li], title="关于建设文创园区的建议（修改稿）")
    )
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.title.endswith("（修改稿）") and suggestion.submitters.count() == 2
    entry = audit_rows(suggestion, "update").get()
    assert entry.changes["submitters"] == ["张三", "张三、李四"]
    assert entry.changes["title"][1] == "关于建设文创园区的建议（修改稿）"
    assert suggestion.history.count() == 2
    assert suggestion.history.latest("history_id").history_change_reason == (
        "修改（建言人：张三 → 张三、李四）"
    )
    page = client.get(reverse("service:suggestion_detail", args=[suggestion.pk])).content.decode()
    assert "（修改稿）" in page and "李四" in page


def test_it_forwards_and_records_the_outcome(client_for, xingning_user, suggestion, department):
    client = client_for(xingning_user)
    today = local_today().isoformat()
    response = client.post(
        reverse("service:suggestion_forward", args=[suggestion.pk]),
        {"department": department.pk, "forwarded_on": today},
    )
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.department == department and suggestion.stage == "已转交"
    response = client.post(
        reverse("service:suggestion_respond", args=[suggestion.pk]),
        {
            "outcome": "leader_instruction",
            "response": "市领导批示：请文旅局研究",
            "responded_on": today,
        },
    )
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.outcome == "leader_instruction"
    page = client.get(reverse("service:suggestion_detail", args=[suggestion.pk])).content.decode()
    assert "领导批示" in page and "市领导批示：请文旅局研究" in page
    assert "转交：市人力资源和社会保障局" in page  # history
    assert audit_rows(suggestion, "update").count() == 2


def test_outcome_needs_a_response_and_a_choice(client_for, xingning_user, suggestion):
    client = client_for(xingning_user)
    url = reverse("service:suggestion_respond", args=[suggestion.pk])
    response = client.post(url, {"outcome": "", "response": "", "responded_on": "2026-13-01"})
    text = response.content.decode()
    assert response.status_code == 400
    assert "请选择办理结果" in text and "请填写反馈内容" in text and "反馈日期格式不正确" in text
    earlier = (suggestion.submitted_on - datetime.timedelta(days=1)).isoformat()
    response = client.post(url, {"outcome": "adopted", "response": "采纳", "responded_on": earlier})
    assert "反馈日期不能早于提出日期" in response.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.outcome == ""


def test_another_region_gets_404(client_for, qingxiu_user, suggestion, department):
    client = client_for(qingxiu_user)
    pk = suggestion.pk
    assert client.get(reverse("service:suggestion_detail", args=[pk])).status_code == 404
    assert client.get(reverse("service:suggestion_edit", args=[pk])).status_code == 404
    today = local_today().isoformat()
    response = client.post(
        reverse("service:suggestion_forward", args=[pk]),
        {"department": department.pk, "forwarded_on": today},
    )
    assert response.status_code == 404
    response = client.post(
        reverse("service:suggestion_respond", args=[pk]),
        {"outcome": "adopted", "response": "x", "responded_on": today},
    )
    assert response.status_code == 404
    assert suggestion.title not in client.get(reverse("service:suggestion_list")).content.decode()
    suggestion.refresh_from_db()
    assert suggestion.department is None and suggestion.outcome == ""


def test_leader_reads_but_cannot_write(client_for, leader_user, suggestion, department, regions):
    client = client_for(leader_user)
    assert client.get(reverse("service:suggestion_detail", args=[suggestion.pk])).status_code == 200
    assert client.get(reverse("service:suggestion_create")).status_code == 404
    zhang = suggestion.submitters.get()
    response = client.post(reverse("service:suggestion_create"), form(regions["xingning"], [zhang]))
    assert response.status_code == 404
    assert client.get(reverse("service:suggestion_edit", args=[suggestion.pk])).status_code == 404
    response = client.post(
        reverse("service:suggestion_forward", args=[suggestion.pk]),
        {"department": department.pk, "forwarded_on": local_today().isoformat()},
    )
    assert response.status_code == 404
    assert Suggestion.objects.count() == 1


def test_it_lists_and_filters(
    client_for, city_user, suggestion, department, make_person, regions, admin_user
):
    wang = make_person("王五", region=regions["qingxiu"])
    other = services.suggestion_create(
        actor=admin_user,
        data={
            "region": regions["qingxiu"],
            "title": "关于夜间经济的建议",
            "content": "x",
            "submitted_on": local_today(),
        },
        submitters=[wang],
    )
    services.suggestion_forward(
        actor=admin_user, suggestion=other, department=department, forwarded_on=local_today()
    )
    services.suggestion_respond(
        actor=admin_user,
        suggestion=other,
        outcome="adopted",
        response="已采纳",
        responded_on=local_today(),
    )
    client = client_for(city_user)
    url = reverse("service:suggestion_list")

    def shown(**params) -> set[str]:
        text = client.get(url, params).content.decode()
        return {t for t in ("关于建设文创园区的建议", "关于夜间经济的建议") if t in text}

    assert shown() == {"关于建设文创园区的建议", "关于夜间经济的建议"}
    assert shown(outcome="pending") == {"关于建设文创园区的建议"}
    assert shown(outcome="adopted") == {"关于夜间经济的建议"}
    assert shown(department=department.pk) == {"关于夜间经济的建议"}
    assert shown(region=regions["xingning"].pk) == {"关于建设文创园区的建议"}
    assert shown(q="王五") == {"关于夜间经济的建议"}
    assert shown(q="zhangsan") == {"关于建设文创园区的建议"}


def test_the_list_query_count_is_pinned(
    client_for, city_user, admin_user, make_person, regions, django_assert_max_num_queries
):
    persons = [make_person(f"张{c}") for c in "一二三"]
    for i in range(10):
        services.suggestion_create(
            actor=admin_user,
            data={
                "region": regions["xingning"],
                "title": f"建议{i}",
                "content": "x",
                "submitted_on": local_today(),
            },
            submitters=persons[: 1 + i % 3],
        )
    client = client_for(city_user)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("service:suggestion_list"))
    assert len(response.context["page"].rows) == 10


def test_the_filter_bar_keeps_the_chosen_conditions(client_for, city_user, department):
    url = reverse("service:suggestion_list")
    client = client_for(city_user)
    text = client.get(url, {"outcome": "pending", "department": department.pk}).content.decode()
    assert '<option value="pending" selected>' in text
    assert f'<option value="{department.pk}" selected>' in text
    text = client.get(url, {"department": "x"}).content.decode()
    assert "筛选条件“转交单位”无效" in text
