"""Change requests between the levels, through the HTTP client: who may do
each state change, what it changes, the audit rows, and the region rule on
the requests themselves."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.audit.models import AuditEntry
from tongxin.conftest import PASSWORD
from tongxin.flows.models import ChangeRequest, RequestEvent
from tongxin.levels.models import Tier
from tongxin.levels.tiers import tier_for, tiers_held
from tongxin.people.models import Person
from tongxin.portal.models import ChangeRequest as PortalChange
from tongxin.regions.tests.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_person, regions):
    world = build_world(make_person, regions)
    # The leak test's requests (build_world) stay out of these tests' counts.
    ChangeRequest.objects.all().delete()
    city = User.objects.create_user(username="city", password=PASSWORD, role=User.Role.CITY)
    city.regions.set([regions["city"]])
    world.users["city"] = city
    qingxiu = User.objects.create_user(username="qx", password=PASSWORD, role=User.Role.COUNTY)
    qingxiu.regions.set([regions["qingxiu"]])
    world.users["qingxiu"] = qingxiu
    return world


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user, backend="tongxin.accounts.backends.TongxinBackend")
        return client

    return as_user


def recommend(client, person, tier, reason="担任市工商联常委", **extra):
    return client.post(
        reverse("flows:new", args=["recommend"]) + f"?person={person.pk}",
        {"tier": tier.pk, "reason": reason, **extra},
    )


def only_request() -> ChangeRequest:
    return ChangeRequest.objects.get()


def test_a_street_recommends_and_the_city_confirms(world, login):
    person = world.persons["street"]
    city_tier = tier_for(world.regions["city"])
    response = recommend(login(world.users["jiedao"]), person, city_tier)
    assert response.status_code == 302
    request = only_request()
    assert (request.state, request.approver, request.proposer) == (
        "pending",
        world.regions["city"],
        world.users["jiedao"],
    )
    assert AuditEntry.objects.filter(object_type="flows.changerequest", action="create").exists()

    # The street cannot decide its own recommendation; the city can.
    client = login(world.users["jiedao"])
    client.post(reverse("flows:approve", args=[request.pk]))
    request.refresh_from_db()
    assert request.state == "pending"
    client = login(world.users["city"])
    page = client.get(reverse("flows:detail", args=[request.pk])).content.decode()
    assert "街道甲" in page and "认定" in page
    response = client.post(reverse("flows:approve", args=[request.pk]), {"note": "同意"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.state, request.decided_by, request.decision_note) == (
        "approved",
        world.users["city"],
        "同意",
    )
    assert [str(t) for t in tiers_held(person)] == ["南宁市·市级重点联系", "兴宁区·县区联系"]
    person.refresh_from_db()
    assert person.level == Person.Level.CITY
    kinds = list(request.events.values_list("kind", flat=True))
    assert kinds == ["created", "submitted", "approved"]
    entry = AuditEntry.objects.filter(object_type="flows.changerequest").latest("id")
    assert entry.changes["state"] == ["待审核", "通过"]
    # Both sides see it among the finished requests in their inbox.
    for name in ("jiedao", "city"):
        text = login(world.users[name]).get(reverse("flows:inbox")).content.decode()
        assert f'href="/flows/{request.pk}/"' in text, name


def test_a_county_cannot_recommend_into_its_own_tier(world, login):
    response = recommend(
        login(world.users["xingning"]), world.persons["xingning"], tier_for(world.regions["city"])
    )
    assert response.status_code == 302
    person = world.persons["street"]
    response = recommend(
        login(world.users["xingning"]), person, tier_for(world.regions["xingning"])
    )
    # Not among the choices: the county decides its own tier directly.
    assert "推荐列入的分级无效" in response.content.decode()
    assert ChangeRequest.objects.count() == 1


def test_a_return_needs_a_reason_and_the_proposer_resubmits(world, login):
    recommend(
        login(world.users["xingning"]), world.persons["xingning"], tier_for(world.regions["city"])
    )
    request = only_request()
    client = login(world.users["city"])
    client.post(reverse("flows:return", args=[request.pk]), {"note": ""})
    request.refresh_from_db()
    assert request.state == "pending"
    client.post(reverse("flows:return", args=[request.pk]), {"note": "材料不全"})
    request.refresh_from_db()
    assert (request.state, request.decision_note) == ("returned", "材料不全")
    # The approving side does not resubmit; the proposing side does.
    client.post(reverse("flows:submit", args=[request.pk]))
    request.refresh_from_db()
    assert request.state == "returned"
    login(world.users["xingning"]).post(reverse("flows:submit", args=[request.pk]))
    request.refresh_from_db()
    assert request.state == "pending"
    assert list(request.events.values_list("kind", flat=True)) == [
        "created", "submitted", "returned", "submitted",
    ]  # fmt: skip


def test_drafts_and_withdrawals(world, login):
    client = login(world.users["xingning"])
    recommend(client, world.persons["xingning"], tier_for(world.regions["city"]), draft="1")
    request = only_request()
    assert request.state == "draft"
    # A draft awaits nobody's decision.
    assert login(world.users["city"]).post(reverse("flows:approve", args=[request.pk]))
    request.refresh_from_db()
    assert request.state == "draft"
    login(world.users["city"]).post(reverse("flows:withdraw", args=[request.pk]))
    request.refresh_from_db()
    assert request.state == "draft"  # the approving side does not withdraw
    login(world.users["xingning"]).post(reverse("flows:withdraw", args=[request.pk]))
    request.refresh_from_db()
    assert request.state == "withdrawn"
    login(world.users["xingning"]).post(reverse("flows:submit", args=[request.pk]))
    request.refresh_from_db()
    assert request.state == "withdrawn"


def test_a_transfer_out_to_another_city_approved_by_the_destination(world, login):
    person = world.persons["xingning"]
    chengzhong = world.regions["chengzhong"]
    client = login(world.users["xingning"])
    response = client.post(
        reverse("flows:new", args=["transfer-out"]) + f"?person={person.pk}",
        {"target": chengzhong.pk, "reason": "工作调动至柳州"},
    )
    assert response.status_code == 302
    request = only_request()
    assert (request.direction, request.approver) == ("out", chengzhong)
    # 柳州 sees the request (its destination) before the person is theirs.
    client = login(world.users["liuzhou"])
    assert client.get(reverse("people:detail", args=[person.pk])).status_code == 404
    client.post(reverse("flows:approve", args=[request.pk]))
    person.refresh_from_db()
    assert person.region == chengzhong
    assert client.get(reverse("people:detail", args=[person.pk])).status_code == 200
    assert [str(t) for t in tiers_held(person)] == ["城中区·县区联系"]
    assert person.level == Person.Level.COUNTY
    latest = person.history.latest("history_id")
    moves = person.history.filter(history_change_reason__startswith="调动")
    assert moves.get().history_change_reason == f"调动：兴宁区 → 城中区（调出申请 #{request.pk}）"
    assert latest.history_user == world.users["liuzhou"]
    entry = AuditEntry.objects.filter(
        object_type="people.person", object_id=str(person.pk), action="update"
    ).latest("id")
    assert entry.changes["region"] == ["兴宁区", "城中区"]
    assert entry.changes["tiers"] == [["兴宁区·县区联系"], ["城中区·县区联系"]]
    # 兴宁区 no longer sees the person; its request names them no more.
    client = login(world.users["xingning"])
    assert client.get(reverse("people:detail", args=[person.pk])).status_code == 404
    page = client.get(reverse("flows:detail", args=[request.pk])).content.decode()
    assert "其他区域人员（已调出本区域）" in page and "兴宁甲" not in page


def test_a_transfer_in_by_id_number_approved_by_the_province(world, login):
    person = world.persons["xingning"]
    client = login(world.users["liuzhou"])
    response = client.post(
        reverse("flows:new", args=["transfer-in"]),
        {
            "id_number": person.id_number,
            "target": world.regions["chengzhong"].pk,
            "reason": "已迁入城中区",
        },
    )
    assert response.status_code == 302
    request = only_request()
    assert (request.direction, request.approver) == ("in", world.regions["xingning"])
    page = client.get(reverse("flows:detail", args=[request.pk])).content.decode()
    assert "兴宁甲" not in page and "其他区域人员" in page
    # The province, above both cities, may decide as well as 兴宁区.
    login(world.users["province"]).post(reverse("flows:approve", args=[request.pk]))
    person.refresh_from_db()
    assert person.region == world.regions["chengzhong"]
    assert "兴宁甲" in client.get(reverse("flows:detail", args=[request.pk])).content.decode()


def test_a_transfer_in_of_an_unknown_number_says_so(world, login):
    from tongxin.conftest import make_id_number

    response = login(world.users["liuzhou"]).post(
        reverse("flows:new", args=["transfer-in"]),
        {"id_number": make_id_number(), "target": world.regions["chengzhong"].pk, "reason": "x"},
    )
    assert "未找到该公民身份号码的登记" in response.content.decode()
    assert not ChangeRequest.objects.exists()


def test_a_removal_of_a_city_tier_person_is_decided_by_the_city(world, login):
    person = world.persons["xingning"]
    login(world.users["city"]).post(
        reverse("levels:change", args=[person.pk]), {"level": "city", "reason": "认定"}
    )
    client = login(world.users["xingning"])
    response = client.post(
        reverse("flows:new", args=["removal"]) + f"?person={person.pk}",
        {"archive_reason": "moved_away", "reason": "已迁往外省"},
    )
    assert response.status_code == 302
    request = only_request()
    assert request.approver == world.regions["city"]
    person.refresh_from_db()
    assert not person.is_archived
    login(world.users["city"]).post(reverse("flows:approve", args=[request.pk]))
    person.refresh_from_db()
    assert (person.is_archived, person.archived_reason) == (True, "moved_away")


def test_a_removal_of_a_person_in_no_upper_tier_is_refused(world, login):
    person = world.persons["xingning"]
    response = login(world.users["xingning"]).post(
        reverse("flows:new", args=["removal"]) + f"?person={person.pk}",
        {"archive_reason": "moved_away", "reason": "已迁往外省"},
    )
    assert "未列入上级分级，可直接办理出库" in response.content.decode()
    assert not ChangeRequest.objects.exists()


def test_the_annual_review_is_confirmed_by_the_node_above(world, login):
    year = timezone.localdate().year
    response = login(world.users["xingning"]).post(
        reverse("flows:new", args=["review"]),
        {"region": world.regions["xingning"].pk, "year": year, "reason": "已全部复核"},
    )
    assert response.status_code == 302
    request = only_request()
    assert (request.kind, request.approver) == ("review", world.regions["city"])
    login(world.users["city"]).post(reverse("flows:approve", args=[request.pk]))
    request.refresh_from_db()
    assert request.state == "approved"
    again = login(world.users["xingning"]).post(
        reverse("flows:new", args=["review"]),
        {"region": world.regions["xingning"].pk, "year": year, "reason": "再报"},
    )
    assert "已经上级确认" in again.content.decode()


def test_requests_follow_the_region_rule(world, login):
    recommend(
        login(world.users["jiedao"]), world.persons["street"], tier_for(world.regions["city"])
    )
    request = only_request()
    for name in ("qingxiu", "liuzhou", "evaluator"):
        client = login(world.users[name])
        assert client.get(reverse("flows:detail", args=[request.pk])).status_code == 404, name
        assert client.post(reverse("flows:approve", args=[request.pk])).status_code == 404, name
    leader = login(world.users["leader"])
    assert leader.get(reverse("flows:detail", args=[request.pk])).status_code == 200
    assert leader.post(reverse("flows:approve", args=[request.pk])).status_code == 404
    # Another region's person cannot be the subject of a request.
    response = login(world.users["qingxiu"]).get(
        reverse("flows:new", args=["recommend"]) + f"?person={world.persons['street'].pk}"
    )
    assert response.status_code == 404
    request.refresh_from_db()
    assert request.state == "pending"


def test_comments_and_attachments_are_kept_and_audited(world, login, settings, tmp_path):
    recommend(
        login(world.users["xingning"]), world.persons["xingning"], tier_for(world.regions["city"])
    )
    request = only_request()
    client = login(world.users["city"])
    client.post(reverse("flows:comment", args=[request.pk]), {"text": "请补充任职文件"})
    client = login(world.users["xingning"])
    upload = SimpleUploadedFile("任职文件.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    client.post(reverse("flows:attach", args=[request.pk]), {"file": upload})
    events = list(request.events.values_list("kind", "text"))
    assert ("comment", "请补充任职文件") in events
    assert ("attachment", "任职文件.pdf") in events
    attachment = request.attachments.get()
    response = login(world.users["city"]).get(
        reverse("flows:attachment", args=[request.pk, attachment.pk])
    )
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert (
        login(world.users["qingxiu"])
        .get(reverse("flows:attachment", args=[request.pk, attachment.pk]))
        .status_code
        == 404
    )
    audited = AuditEntry.objects.filter(
        object_type="flows.changerequest", object_id=str(request.pk)
    )
    assert {"请补充任职文件", "任职文件.pdf"} <= {
        v for e in audited for v in e.changes.values() if isinstance(v, str)
    }


def test_the_inbox_lists_what_awaits_and_what_is_open_with_counts(world, login):
    # The world's persons also have change requests of their own (tongxin/
    # portal) waiting in these inboxes, and the world's review year reminds the
    # city to report its review (test_review_deadline.py); this test counts
    # the flows' requests.
    PortalChange.objects.all().delete()
    recommend(
        login(world.users["xingning"]), world.persons["xingning"], tier_for(world.regions["city"])
    )
    request = only_request()
    # The world's review year is confirmed for both nodes: no reminder to report
    # it (test_review_deadline.py) joins the requests counted here.
    for node in ("city", "xingning"):
        ChangeRequest.objects.create(
            kind="review", state="approved", origin=world.regions[node],
            approver=world.regions[node].parent or world.regions[node],
            year=timezone.localdate().year, reason="已复核",
        )  # fmt: skip
    client = login(world.users["city"])
    response = client.get(reverse("flows:inbox"))
    awaiting = response.context["awaiting"]
    assert [(i.kind, i.title, i.awaiting_me) for i in awaiting] == [("推荐", "兴宁甲", True)]
    nav = next(i for i in response.context["nav_items"] if i.get("label") == "待办")
    assert nav["badge_url"] == reverse("flows:inbox_count")
    badge = client.get(reverse("flows:inbox_count"))
    assert (badge.context["count"], badge.context["overdue"]) == (1, False)
    mine = login(world.users["xingning"]).get(reverse("flows:inbox")).context["mine"]
    assert [(i.title, i.state_label) for i in mine] == [("兴宁甲", "待审核")]
    # Overdue requests stand out.
    ChangeRequest.objects.filter(pk=request.pk).update(
        due_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    response = login(world.users["city"]).get(reverse("flows:inbox"))
    assert 'data-overdue="1"' in response.content.decode()
    badge = login(world.users["city"]).get(reverse("flows:inbox_count")).content.decode()
    assert 'data-overdue="1"' in badge and "text-bg-danger" in badge and ">1</span>" in badge
    # Nothing awaits 兴宁区: no badge at all.
    assert login(world.users["xingning"]).get(reverse("flows:inbox_count")).content.strip() == b""


def test_every_state_change_leaves_an_event_and_an_audit_row(world, login):
    recommend(
        login(world.users["xingning"]), world.persons["xingning"], tier_for(world.regions["city"])
    )
    request = only_request()
    login(world.users["city"]).post(reverse("flows:return", args=[request.pk]), {"note": "退"})
    login(world.users["xingning"]).post(reverse("flows:withdraw", args=[request.pk]))
    events = RequestEvent.objects.filter(request=request).values_list("kind", flat=True)
    assert list(events) == ["created", "submitted", "returned", "withdrawn"]
    states = [
        e.changes.get("state")
        for e in AuditEntry.objects.filter(
            object_type="flows.changerequest", object_id=str(request.pk)
        ).order_by("id")
    ]
    assert states == ["待审核", ["待审核", "退回"], ["退回", "撤回"]]
    assert Tier.objects.filter(memberships__person=world.persons["xingning"]).count() == 1


def test_the_registration_form_offers_a_transfer_in_for_a_number_registered_elsewhere(world, login):
    elsewhere = world.persons["chengzhong"]
    client = login(world.users["xingning"])
    response = client.post(reverse("people:create"), {"id_number": elsewhere.id_number})
    text = response.content.decode()
    assert "该公民身份号码已在其他区域登记" in text
    assert 'data-testid="transfer-in-offer"' in text
    assert "城中甲" not in text
    response = client.post(
        reverse("flows:new", args=["transfer-in"]),
        {"id_number": elsewhere.id_number, "prefill": "1"},
    )
    assert response.status_code == 200
    assert response.context["form"].initial["id_number"] == elsewhere.id_number
    assert not ChangeRequest.objects.filter(kind="transfer", direction="in").exists()
    # The number the user typed is never put in a URL.
    assert elsewhere.id_number not in response.request["QUERY_STRING"]


def test_the_city_tier_is_offered_before_anyone_holds_it(client_for, regions, make_person):
    from tongxin.accounts.models import User as Account

    county = Account.objects.create_user("xn2", password=PASSWORD, role=Account.Role.COUNTY)
    county.regions.set([regions["xingning"]])
    person = make_person("兴一", region=regions["xingning"])
    assert not Tier.objects.filter(region=regions["city"]).exists()
    response = client_for(county).get(
        reverse("flows:new", args=["recommend"]) + f"?person={person.pk}"
    )
    choices = [label for _value, label in response.context["form"].fields["tier"].choices]
    assert choices == ["请选择", "南宁市·市级重点联系"]
