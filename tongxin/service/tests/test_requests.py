import datetime

import pytest
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.service.models import (
    RequestCategory,
    RequestFollowUp,
    RequestProgress,
    ServiceRequest,
    local_today,
)
from tongxin.service.services import service_request_close

pytestmark = pytest.mark.django_db

Status = ServiceRequest.Status


def audit_rows(obj, action=None):
    rows = AuditEntry.objects.filter(object_type="service.servicerequest", object_id=str(obj.pk))
    return rows.filter(action=action) if action else rows


def create_data(who, **overrides) -> dict:
    data = {
        "person": who.pk,
        "category": RequestCategory.objects.get(name="职称评审").pk,
        "channel": ServiceRequest.Channel.PHONE,
        "received_on": local_today().isoformat(),
        "content": "申报高级职称时非公企业人员渠道不畅",
    }
    data |= overrides
    return {k: v for k, v in data.items() if v is not None}


# --- create ------------------------------------------------------------------


def test_it_creates_a_request_for_a_visible_person(client_for, xingning_user, make_person):
    person = make_person("张三")
    response = client_for(xingning_user).post(
        reverse("service:request_create"), create_data(person)
    )
    r = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("service:request_detail", args=[r.pk])
    assert r.person == person and r.region == person.region
    assert r.status == Status.RECEIVED and r.created_by == xingning_user
    entry = audit_rows(r, AuditEntry.Action.CREATE).get()
    assert entry.user == xingning_user and entry.region == person.region
    assert entry.changes["person"] == [None, "张三"]
    assert r.history.get().history_change_reason == "受理"


def test_it_shows_the_create_form_with_the_person_chosen(client_for, xingning_user, make_person):
    person = make_person("张三")
    response = client_for(xingning_user).get(
        reverse("service:request_create"), {"person": person.pk}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert (
        "受理意见诉求" in text
        and f'value="{person.pk}" id="chosen-person-{person.pk}" checked' in text
    )


def test_it_refuses_a_request_without_person_or_content(client_for, xingning_user, make_person):
    person = make_person("张三")
    client = client_for(xingning_user)
    response = client.post(reverse("service:request_create"), create_data(person, person=""))
    assert response.status_code == 200
    assert "请选择代表人士" in response.content.decode()
    response = client.post(reverse("service:request_create"), create_data(person, content=" "))
    assert "请填写诉求内容" in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_it_refuses_a_future_received_date(client_for, xingning_user, make_person):
    person = make_person("张三")
    tomorrow = (local_today() + datetime.timedelta(days=1)).isoformat()
    response = client_for(xingning_user).post(
        reverse("service:request_create"), create_data(person, received_on=tomorrow)
    )
    assert "受理日期不能晚于今天" in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_it_refuses_a_person_of_another_region(client_for, xingning_user, make_person, regions):
    other = make_person("王五", region=regions["qingxiu"])
    client = client_for(xingning_user)
    response = client.post(reverse("service:request_create"), create_data(other))
    assert response.status_code == 200
    assert "所选人员不存在或不在您负责的区域" in response.content.decode()
    assert not ServiceRequest.objects.exists()
    response = client.get(reverse("service:request_create"), {"person": other.pk})
    assert response.status_code == 404


def test_it_refuses_leader_writes(client_for, leader_user, make_person, make_request):
    person = make_person("张三")
    r = make_request(person)
    client = client_for(leader_user)
    assert client.get(reverse("service:request_create")).status_code == 404
    assert client.post(reverse("service:request_create"), create_data(person)).status_code == 404
    assert client.get(reverse("service:request_edit", args=[r.pk])).status_code == 404
    for name in ("request_assign", "request_progress", "request_close", "request_follow_up"):
        assert client.post(reverse(f"service:{name}", args=[r.pk]), {}).status_code == 404
    assert ServiceRequest.objects.count() == 1
    # …but reads them
    assert client.get(reverse("service:request_detail", args=[r.pk])).status_code == 200
    assert client.get(reverse("service:request_list")).status_code == 200


def test_it_hides_requests_from_evaluators(client_for, regions, make_person, make_request):
    from tongxin.accounts.models import User

    evaluator = User.objects.create_user("eva", password="x", role=User.Role.EVALUATOR)
    r = make_request(make_person("张三"))
    client = client_for(evaluator)
    assert client.get(reverse("service:request_list")).status_code == 404
    assert client.get(reverse("service:request_detail", args=[r.pk])).status_code == 404


# --- another region ----------------------------------------------------------


def test_it_answers_404_for_another_regions_request(
    client_for, qingxiu_user, make_person, make_request, department
):
    r = make_request(make_person("张三"))  # 兴宁区
    client = client_for(qingxiu_user)
    assert client.get(reverse("service:request_detail", args=[r.pk])).status_code == 404
    assert client.get(reverse("service:request_edit", args=[r.pk])).status_code == 404
    today = local_today().isoformat()
    posts = {
        "request_assign": {"department": department.pk, "assigned_on": today, "due_date": today},
        "request_progress": {"on_date": today, "note": "x"},
        "request_close": {"closed_on": today, "answer": "x"},
        "request_follow_up": {"on_date": today, "satisfaction": "satisfied"},
    }
    for name, data in posts.items():
        assert client.post(reverse(f"service:{name}", args=[r.pk]), data).status_code == 404
    r.refresh_from_db()
    assert r.status == Status.RECEIVED
    text = client.get(reverse("service:request_list")).content.decode()
    assert "张三" not in text


# --- edit --------------------------------------------------------------------


def test_it_edits_what_was_received(client_for, xingning_user, make_person, make_request):
    r = make_request(make_person("张三"))
    client = client_for(xingning_user)
    assert client.get(reverse("service:request_edit", args=[r.pk])).status_code == 200
    data = create_data(r.person, content="改为：职称评审材料退回", version=r.version)
    data.pop("person")
    response = client.post(reverse("service:request_edit", args=[r.pk]), data)
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.content == "改为：职称评审材料退回"
    assert r.category.name == "职称评审"
    entry = audit_rows(r, AuditEntry.Action.UPDATE).latest("id")
    assert entry.changes["content"][1] == "改为：职称评审材料退回"
    assert entry.changes["category"] == ["社会保障", "职称评审"]
    assert r.history.count() == 2


def test_it_refuses_a_stale_edit(client_for, xingning_user, make_person, make_request):
    r = make_request(make_person("张三"))
    data = create_data(r.person, content="新内容", version=r.version - 1 if r.version > 1 else 99)
    data.pop("person")
    response = client_for(xingning_user).post(reverse("service:request_edit", args=[r.pk]), data)
    assert response.status_code == 400
    assert "该诉求已被他人修改" in response.content.decode()
    r.refresh_from_db()
    assert r.content != "新内容"


# --- the status flow ---------------------------------------------------------


def test_it_goes_through_the_whole_flow(client_for, xingning_user, make_person, department):
    person = make_person("张三")
    client = client_for(xingning_user)
    client.post(reverse("service:request_create"), create_data(person))
    r = ServiceRequest.objects.get()
    today = local_today()
    due = (today + datetime.timedelta(days=10)).isoformat()

    response = client.post(
        reverse("service:request_assign", args=[r.pk]),
        {"department": department.pk, "assigned_on": today.isoformat(), "due_date": due},
    )
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.status == Status.ASSIGNED and r.department == department
    assert r.due_date.isoformat() == due

    client.post(
        reverse("service:request_progress", args=[r.pk]),
        {"on_date": today.isoformat(), "note": "人社局已受理，正在核查"},
    )
    r.refresh_from_db()
    assert r.status == Status.IN_PROGRESS
    assert RequestProgress.objects.get().recorded_by == xingning_user

    client.post(
        reverse("service:request_close", args=[r.pk]),
        {"closed_on": today.isoformat(), "answer": "已开通非公领域职称申报绿色通道"},
    )
    r.refresh_from_db()
    assert r.status == Status.CLOSED and r.answer == "已开通非公领域职称申报绿色通道"

    client.post(
        reverse("service:request_follow_up", args=[r.pk]),
        {"on_date": today.isoformat(), "satisfaction": "satisfied", "note": "本人表示满意"},
    )
    r.refresh_from_db()
    assert r.satisfaction == "satisfied" and r.status == Status.CLOSED

    page = client.get(reverse("service:request_detail", args=[r.pk])).content.decode()
    for text in ("已办结", "人社局已受理，正在核查", "已开通非公领域职称申报绿色通道", "满意"):
        assert text in page
    reasons = list(r.history.order_by("history_id").values_list("history_change_reason", flat=True))
    assert reasons[0] == "受理" and reasons[1].startswith("交办：市人力资源和社会保障局")
    assert reasons[-2:] == ["办结", "回访：满意"]
    assert audit_rows(r, AuditEntry.Action.UPDATE).count() == 4


def test_closing_without_an_answer_is_refused(client_for, xingning_user, make_person, make_request):
    r = make_request(make_person("张三"), status=Status.IN_PROGRESS)
    before = audit_rows(r).count()
    response = client_for(xingning_user).post(
        reverse("service:request_close", args=[r.pk]),
        {"closed_on": local_today().isoformat(), "answer": "   "},
    )
    assert response.status_code == 400
    assert "办结须填写答复内容" in response.content.decode()
    r.refresh_from_db()
    assert r.status == Status.IN_PROGRESS and r.closed_on is None
    assert audit_rows(r).count() == before


def test_the_service_refuses_closing_without_an_answer(admin_user, make_person, make_request):
    from tongxin.service.services import ServiceError, service_request_close

    r = make_request(make_person("张三"), status=Status.ASSIGNED)
    with pytest.raises(ServiceError, match="办结须填写答复内容"):
        service_request_close(
            actor=admin_user, service_request=r, answer="", closed_on=local_today()
        )


@pytest.mark.parametrize(
    ("status", "action", "data", "message"),
    [
        (Status.RECEIVED, "request_close", {"answer": "x"}, "请先交办承办单位，再办结"),
        (Status.RECEIVED, "request_progress", {"note": "x"}, "请先交办承办单位"),
        (Status.RECEIVED, "request_follow_up", {"satisfaction": "satisfied"}, "不能回访"),
        (Status.IN_PROGRESS, "request_follow_up", {"satisfaction": "satisfied"}, "不能回访"),
        (Status.CLOSED, "request_close", {"answer": "x"}, "当前状态为“已办结”，不能办结"),
        (Status.CLOSED, "request_progress", {"note": "x"}, "不能记录办理进展"),
        (Status.CLOSED, "request_assign", {}, "当前状态为“已办结”，不能交办"),
    ],
)
def test_illegal_transitions_are_refused(
    client_for, xingning_user, make_person, make_request, department, status, action, data, message
):
    r = make_request(make_person("张三"), status=status)
    version = r.version
    today = local_today().isoformat()
    data = {
        "on_date": today,
        "closed_on": today,
        "assigned_on": today,
        "due_date": today,
        "department": department.pk,
        **data,
    }
    response = client_for(xingning_user).post(reverse(f"service:{action}", args=[r.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    r.refresh_from_db()
    assert r.status == status and r.version == version


def test_assigning_checks_dates_and_active_department(
    client_for, xingning_user, make_person, make_request, department, admin_user
):
    from tongxin.service.services import department_update

    r = make_request(make_person("张三"))
    client = client_for(xingning_user)
    today = local_today()
    url = reverse("service:request_assign", args=[r.pk])
    response = client.post(
        url,
        {
            "department": department.pk,
            "assigned_on": today.isoformat(),
            "due_date": (today - datetime.timedelta(days=1)).isoformat(),
        },
    )
    assert "办理时限不能早于交办日期" in response.content.decode()
    department_update(actor=admin_user, department=department, data={"is_active": False})
    response = client.post(
        url, {"department": department.pk, "assigned_on": today.isoformat(), "due_date": today}
    )
    assert "所选承办单位不存在或已停用" in response.content.decode()
    r.refresh_from_db()
    assert r.status == Status.RECEIVED and r.department is None


def test_unsatisfied_follow_up_reopens(client_for, xingning_user, make_person, make_request):
    r = make_request(make_person("张三"), status=Status.CLOSED)
    new_due = (local_today() + datetime.timedelta(days=7)).isoformat()
    response = client_for(xingning_user).post(
        reverse("service:request_follow_up", args=[r.pk]),
        {
            "on_date": local_today().isoformat(),
            "satisfaction": "unsatisfied",
            "note": "问题仍未解决",
            "reopen": "on",
            "reopen_reason": "社保关系仍未转入",
            "new_due_date": new_due,
        },
    )
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.status == Status.IN_PROGRESS
    assert r.closed_on is None and r.satisfaction == "" and r.due_date.isoformat() == new_due
    follow_up = RequestFollowUp.objects.get()
    assert follow_up.reopened and follow_up.reopen_reason == "社保关系仍未转入"
    assert r.progress.latest("id").note == "回访不满意，重新办理：社保关系仍未转入"
    entry = audit_rows(r, AuditEntry.Action.UPDATE).latest("id")
    assert entry.changes["status"] == ["已办结", "办理中"]
    assert r.history.latest("history_id").history_change_reason == (
        "回访不满意，重新办理：社保关系仍未转入"
    )
    # closing again asks for an answer again, and a second follow-up is then possible
    r = service_request_close(
        actor=xingning_user, service_request=r, answer="已转入", closed_on=local_today()
    )
    assert r.status == Status.CLOSED and r.followed_up_on is None


def test_reopen_needs_unsatisfied_and_a_reason(
    client_for, xingning_user, make_person, make_request
):
    r = make_request(make_person("张三"), status=Status.CLOSED)
    client = client_for(xingning_user)
    url = reverse("service:request_follow_up", args=[r.pk])
    today = local_today().isoformat()
    response = client.post(url, {"on_date": today, "satisfaction": "satisfied", "reopen": "on"})
    assert "只有回访不满意时才能重新办理" in response.content.decode()
    response = client.post(url, {"on_date": today, "satisfaction": "unsatisfied", "reopen": "on"})
    assert "重新办理须填写原因" in response.content.decode()
    r.refresh_from_db()
    assert r.status == Status.CLOSED and not RequestFollowUp.objects.exists()
    # 不满意 without reopening just records it
    client.post(url, {"on_date": today, "satisfaction": "unsatisfied"})
    r.refresh_from_db()
    assert r.status == Status.CLOSED and r.satisfaction == "unsatisfied"
    response = client.post(url, {"on_date": today, "satisfaction": "satisfied"})
    assert response.status_code == 400
    assert "本次办结已回访" in response.content.decode()


# --- list and filters --------------------------------------------------------


def test_it_lists_only_the_users_region(
    client_for, xingning_user, make_person, make_request, regions
):
    make_request(make_person("张三"), content="兴宁的诉求")
    make_request(make_person("王五", region=regions["qingxiu"]), content="青秀的诉求")
    response = client_for(xingning_user).get(reverse("service:request_list"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "兴宁的诉求" in text and "青秀的诉求" not in text


def test_it_filters_the_list(client_for, city_user, make_person, make_request, regions):
    zhang = make_person("张三")
    wang = make_person("王五", region=regions["qingxiu"])
    yesterday = local_today() - datetime.timedelta(days=1)
    make_request(zhang, content="甲-已受理")
    make_request(zhang, content="乙-逾期", status=Status.IN_PROGRESS, due_date=yesterday)
    make_request(wang, content="丙-已办结", status=Status.CLOSED, category="权益保护")
    client = client_for(city_user)
    url = reverse("service:request_list")

    def shown(**params) -> set[str]:
        text = client.get(url, params).content.decode()
        return {c for c in ("甲-已受理", "乙-逾期", "丙-已办结") if c in text}

    assert shown() == {"甲-已受理", "乙-逾期", "丙-已办结"}
    assert shown(status="received") == {"甲-已受理"}
    assert shown(status="open") == {"甲-已受理", "乙-逾期"}
    assert shown(overdue="1") == {"乙-逾期"}
    assert shown(region=regions["qingxiu"].pk) == {"丙-已办结"}
    assert shown(category=RequestCategory.objects.get(name="权益保护").pk) == {"丙-已办结"}
    dept = ServiceRequest.objects.exclude(department=None).first().department
    assert shown(department=dept.pk) == {"乙-逾期", "丙-已办结"}
    assert shown(q="王五") == {"丙-已办结"}
    assert shown(q="zs") == {"甲-已受理", "乙-逾期"}
    text = client.get(url, {"category": "x"}).content.decode()
    assert "筛选条件“诉求类别”无效" in text


def test_the_list_marks_overdue_rows(client_for, city_user, make_person, make_request):
    yesterday = local_today() - datetime.timedelta(days=1)
    r = make_request(make_person("张三"), status=Status.ASSIGNED, due_date=yesterday)
    text = client_for(city_user).get(reverse("service:request_list")).content.decode()
    assert f'class="table-danger" data-request="{r.pk}"' in text
    assert 'data-testid="overdue"' in text


def test_the_list_pages_by_id(client_for, city_user, make_person, make_request, settings):
    settings.PAGE_SIZE = 2
    person = make_person("张三")
    made = [make_request(person, content=f"第{i}件") for i in range(5)]
    client = client_for(city_user)
    first = client.get(reverse("service:request_list"))
    assert [r.pk for r in first.context["page"].rows] == [made[4].pk, made[3].pk]
    after = first.context["page"].next_after
    second = client.get(reverse("service:request_list"), {"after": after})
    assert [r.pk for r in second.context["page"].rows] == [made[2].pk, made[1].pk]
    assert second.context["total"] == 5


def test_the_list_query_count_is_pinned(
    client_for, city_user, make_person, make_request, django_assert_max_num_queries
):
    person = make_person("张三")
    for i in range(12):
        make_request(person, status=Status.ASSIGNED if i % 2 else Status.RECEIVED)
    client = client_for(city_user)
    # + 1: the placement (regions.scope)
    with django_assert_max_num_queries(11):
        response = client.get(reverse("service:request_list"), {"q": "张三", "overdue": ""})
    assert response.status_code == 200
    assert len(response.context["page"].rows) == 12


def test_the_htmx_list_returns_the_table_only(client_for, city_user, make_person, make_request):
    make_request(make_person("张三"))
    response = client_for(city_user).get(reverse("service:request_list"), HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert 'data-testid="request-table"' in text and "<html" not in text


def test_the_person_picker_searches_visible_persons_only(
    client_for, xingning_user, make_person, regions
):
    mine = make_person("张三")
    make_person("张四", region=regions["qingxiu"])
    response = client_for(xingning_user).get(
        reverse("service:person_pick"), {"q": "张", "field": "person"}
    )
    text = response.content.decode()
    assert f'name="person" value="{mine.pk}"' in text
    assert "张四" not in text


# --- cancel (no deletions) ---------------------------------------------------


def test_it_cancels_with_a_reason_and_keeps_the_record(
    client_for, xingning_user, make_person, make_request
):
    yesterday = local_today() - datetime.timedelta(days=1)
    r = make_request(make_person("张三"), status=Status.ASSIGNED, due_date=yesterday)
    assert r.is_overdue
    client = client_for(xingning_user)
    url = reverse("service:request_cancel", args=[r.pk])
    response = client.post(url, {"reason": " "})
    assert response.status_code == 400
    assert "撤销须填写原因" in response.content.decode()
    response = client.post(url, {"reason": "重复登记"})
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.status == Status.CANCELLED and r.cancel_reason == "重复登记"
    assert not r.is_overdue
    assert not ServiceRequest.objects.open().exists()
    assert r.history.latest("history_id").history_change_reason == "撤销：重复登记"
    entry = audit_rows(r, AuditEntry.Action.UPDATE).latest("id")
    assert entry.changes["status"] == ["已交办", "已撤销"]
    page = client.get(reverse("service:request_detail", args=[r.pk])).content.decode()
    assert "已撤销" in page and "重复登记" in page
    # a cancelled request cannot be handled any further
    response = client.post(
        reverse("service:request_close", args=[r.pk]),
        {"closed_on": local_today().isoformat(), "answer": "x"},
    )
    assert response.status_code == 400
    assert "当前状态为“已撤销”，不能办结" in response.content.decode()


def test_cancel_is_refused_to_leader_and_other_regions(
    client_for, leader_user, qingxiu_user, make_person, make_request
):
    r = make_request(make_person("张三"))
    url = reverse("service:request_cancel", args=[r.pk])
    assert client_for(leader_user).post(url, {"reason": "x"}).status_code == 404
    assert client_for(qingxiu_user).post(url, {"reason": "x"}).status_code == 404
    r.refresh_from_db()
    assert r.status == Status.RECEIVED


def test_a_broad_name_search_uses_the_embedded_subquery(
    client_for, city_user, make_person, make_request, regions, monkeypatch, admin_user
):
    """More matches than fit in an id list: the person search runs as SQL inside the query."""
    from tongxin.service import filters, services

    monkeypatch.setattr(filters, "PERSON_ID_LIST_MAX", 0)
    zhang = make_person("张三")
    make_request(zhang, content="张的诉求")
    make_request(make_person("王五", region=regions["qingxiu"]), content="王的诉求")
    services.suggestion_create(
        actor=admin_user,
        data={
            "region": regions["xingning"],
            "title": "张的建议",
            "content": "x",
            "submitted_on": local_today(),
        },
        submitters=[zhang],
    )
    client = client_for(city_user)
    text = client.get(reverse("service:request_list"), {"q": "张三"}).content.decode()
    assert "张的诉求" in text and "王的诉求" not in text
    text = client.get(reverse("service:suggestion_list"), {"q": "zs"}).content.decode()
    assert "张的建议" in text
    text = client.get(reverse("service:suggestion_list"), {"q": "王五"}).content.decode()
    assert "张的建议" not in text


def test_an_empty_post_shows_the_form_errors_rather_than_failing(
    client_for, xingning_user, admin_user, make_person, make_request
):
    # request.POST is falsy when nothing was sent: the form must still be bound.
    client = client_for(xingning_user)
    response = client.post(reverse("service:request_create"), {})
    assert response.status_code == 200
    assert "请选择代表人士" in response.content.decode()
    assert not ServiceRequest.objects.exists()
    r = make_request(make_person("张三"))
    response = client.post(reverse("service:request_edit", args=[r.pk]), {})
    assert response.status_code == 400  # no version: refused, not a server error
    r.refresh_from_db()
    assert r.content == "企业职工社保转移接续办理慢"
    response = client_for(admin_user).post(reverse("service:department_create"), {})
    assert response.status_code == 200


def test_the_filter_bar_keeps_the_chosen_conditions(client_for, city_user, regions):
    url = reverse("service:request_list")
    client = client_for(city_user)
    qingxiu = regions["qingxiu"].pk
    params = {"status": "open", "region": qingxiu, "overdue": "1", "q": "王五"}
    text = client.get(url, params).content.decode()
    assert '<option value="open" selected>' in text
    assert f'<option value="{qingxiu}" selected>' in text
    assert 'name="overdue" value="1" checked' in text
    assert 'value="王五"' in text
    text = client.get(url, {"status": "nonsense", "region": qingxiu}).content.decode()
    assert "筛选条件“办理状态”无效" in text
    assert f'<option value="{qingxiu}" selected>' in text
