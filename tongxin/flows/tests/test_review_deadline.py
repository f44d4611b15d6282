"""The annual review's confirmation (复核确认) before the year closes: due at
the year's review deadline, reminded and overdue in the inbox, and no year
closed (报送 sent, or accepted above) while a child's review is unconfirmed."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.conftest import PASSWORD
from tongxin.flows import services
from tongxin.flows.models import ChangeRequest
from tongxin.flows.tests.test_rollups import tree  # noqa: F401  (fixture)
from tongxin.levels.services import review_cycle_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def year(tree):  # noqa: F811
    this_year = timezone.localdate().year
    review_cycle_start(actor=tree["users"]["city"], year=this_year)
    return this_year


@pytest.fixture
def qingxiu_user(tree):  # noqa: F811
    user = User.objects.create_user(username="qx", password=PASSWORD, role=User.Role.COUNTY)
    user.regions.set([tree["qingxiu"]])
    return user


def confirm_review(tree, client_for, proposer, region, approver):  # noqa: F811
    client_for(proposer).post(
        reverse("flows:new", args=["review"]),
        {"region": region.pk, "year": timezone.localdate().year, "reason": "已全部复核"},
    )
    request = ChangeRequest.objects.filter(kind="review", origin=region).latest("id")
    client_for(approver).post(reverse("flows:approve", args=[request.pk]))
    request.refresh_from_db()
    assert request.state == "approved"
    return request


def test_the_review_confirmation_is_due_at_the_years_deadline(client_for, tree, year):  # noqa: F811
    client = client_for(tree["users"]["xingning"])
    page = client.get(reverse("flows:new", args=["review"])).content.decode()
    assert "due_date" not in page and "上级须在年度结束前确认" in page
    client.post(
        reverse("flows:new", args=["review"]),
        {"region": tree["xingning"].pk, "year": year, "reason": "已全部复核", "draft": "1"},
    )
    request = ChangeRequest.objects.get(kind="review")
    assert request.due_date == datetime.date(year, 12, 31)
    client.post(reverse("flows:submit", args=[request.pk]))
    request.refresh_from_db()
    assert (request.state, request.due_date) == ("pending", datetime.date(year, 12, 31))


def test_the_inbox_reminds_the_node_and_marks_the_confirmation_overdue_after_the_year(
    client_for,
    tree,  # noqa: F811
    year,
):
    county = client_for(tree["users"]["xingning"])
    text = county.get(reverse("flows:inbox")).content.decode()
    assert f"兴宁区{year}年度更新：尚未报上级确认" in text
    # Sent: the reminder goes; the city has it awaiting, due on 31 December.
    county.post(
        reverse("flows:new", args=["review"]),
        {"region": tree["xingning"].pk, "year": year, "reason": "已全部复核"},
    )
    assert "尚未报上级确认" not in county.get(reverse("flows:inbox")).content.decode()
    city = client_for(tree["users"]["city"])
    badge = city.get(reverse("flows:inbox_count"))
    assert badge.context["count"] >= 1 and not badge.context["overdue"]
    # After the year closes, it is overdue in the city's inbox; and the street
    # that never reported is reminded, overdue, in the new year too.
    with time_machine.travel(datetime.datetime(year + 1, 1, 5, 9, tzinfo=datetime.UTC)):
        city = client_for(tree["users"]["city"])  # signed in anew: sessions expire
        assert city.get(reverse("flows:inbox_count")).context["overdue"]
        street = client_for(tree["users"]["jiedao"])
        awaiting = [
            i
            for i in street.get(reverse("flows:inbox")).context["awaiting"]
            if i.kind == "年度复核确认"
        ]
        assert [(i.title, i.overdue) for i in awaiting] == [
            (f"民生街道{year}年度更新：尚未报上级确认", True)
        ]
        # The roll-up page marks it too.
        page = client_for(tree["users"]["xingning"]).get(
            reverse("flows:levels"), {"node": tree["xingning"].pk, "year": year}
        )
        rows = {row.region.name: row for row in page.context["o"].rows}
        # Both unconfirmed after the deadline: the street never sent it, the
        # county's waits at the city.
        assert rows["民生街道"].review_overdue and rows["兴宁区"].review_overdue
        assert 'data-testid="review-overdue"' in page.content.decode()


def test_a_node_cannot_close_its_year_while_a_childs_review_is_unconfirmed(
    client_for,
    tree,  # noqa: F811
    year,
    qingxiu_user,
):
    city = client_for(tree["users"]["city"])
    data = {"region": tree["city"].pk, "year": year, "reason": "报送本年度汇总"}
    response = city.post(reverse("flows:new", args=["report"]), data)
    text = response.content.decode()
    assert f"下级区域{year}年度更新尚未经本级确认：兴宁区、青秀区" in text
    assert "仍然报送" in text  # the acknowledgement is offered now
    assert not ChangeRequest.objects.filter(kind="report").exists()

    # Confirmed for 兴宁区 only: 青秀区 still holds it back.
    confirm_review(
        tree, client_for, tree["users"]["xingning"], tree["xingning"], tree["users"]["city"]
    )
    response = city.post(reverse("flows:new", args=["report"]), data)
    assert "尚未经本级确认：青秀区" in response.content.decode()

    # Sent all the same, knowingly: the reason says which child was unconfirmed.
    response = city.post(reverse("flows:new", args=["report"]), {**data, "acknowledged": "on"})
    assert response.status_code == 302
    report = ChangeRequest.objects.get(kind="report")
    assert "报送时下级年度更新尚未确认：青秀区" in report.reason
    assert report.state == "pending"


def test_the_upper_node_accepts_a_report_only_after_confirming_that_nodes_review(
    client_for,
    tree,  # noqa: F811
    year,
    qingxiu_user,
):
    for proposer, region in ((tree["users"]["xingning"], "xingning"), (qingxiu_user, "qingxiu")):
        confirm_review(tree, client_for, proposer, tree[region], tree["users"]["city"])
    city = client_for(tree["users"]["city"])
    city.post(
        reverse("flows:new", args=["report"]),
        {"region": tree["city"].pk, "year": year, "reason": "报送本年度汇总"},
    )
    report = ChangeRequest.objects.get(kind="report")
    assert report.state == "pending" and "尚未确认" not in report.reason

    province = client_for(tree["users"]["province"])
    response = province.post(reverse("flows:approve", args=[report.pk]), follow=True)
    assert f"南宁市{year}年度更新尚未经本级确认" in response.content.decode()
    report.refresh_from_db()
    assert report.state == "pending"

    confirm_review(tree, client_for, tree["users"]["city"], tree["city"], tree["users"]["province"])
    province.post(reverse("flows:approve", args=[report.pk]))
    report.refresh_from_db()
    assert report.state == "approved"


def test_without_a_review_cycle_the_year_closes_as_before(client_for, tree):  # noqa: F811
    report = services.report_create(
        actor=tree["users"]["city"],
        region=tree["city"],
        year=timezone.localdate().year,
        reason="报送",
    )
    services.request_approve(actor=tree["users"]["province"], change_request=report)
    report.refresh_from_db()
    assert report.state == "approved"
