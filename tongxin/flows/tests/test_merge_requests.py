"""A merge across regions (合并): one side asks, the other side (or a node
above both) approves, and the approval merges; who may approve, what each
side sees of the other's record, and what the merge changes."""

import datetime

import pytest
from django.urls import reverse

from tongxin.accounts.models import User
from tongxin.audit.models import AuditEntry
from tongxin.conftest import PASSWORD
from tongxin.dedupe.models import DuplicatePair, Merge
from tongxin.engagement.models import Honour
from tongxin.flows.models import ChangeRequest
from tongxin.people.models import Person

pytestmark = pytest.mark.django_db

BORN = datetime.date(1988, 8, 8)


@pytest.fixture
def twins(make_person, regions):
    """One person registered by 兴宁区 and again by 青秀区 (a homophone of the
    name, the same birth date): the pair is found as the second is saved."""
    mine = make_person("覃海燕", birth_date=BORN, mobile="13700000301", email="haiyan@example.cn")
    theirs = make_person("覃海艳", region=regions["qingxiu"], birth_date=BORN, mobile="13700000302")
    Honour.objects.create(
        region=mine.region,
        person=mine,
        title="优秀建言奖",
        level=Honour.Level.CITY,
        awarding_body="市委统战部",
        date=datetime.date(2025, 6, 1),
    )
    pair = DuplicatePair.objects.get()
    assert {pair.person_a_id, pair.person_b_id} == {mine.pk, theirs.pk}
    return mine, theirs, pair


def _ask(client, pair, keep="other", reason="同一人，两区各登记一次"):
    return client.post(
        reverse("flows:new", args=["merge"]) + f"?pair={pair.pk}", {"keep": keep, "reason": reason}
    )


def test_one_side_asks_and_the_other_side_approves_the_merge(
    twins, client_for, xingning_user, qingxiu_user
):
    mine, theirs, pair = twins
    client = client_for(xingning_user)
    queue = client.get(reverse("dedupe:queue")).content.decode()
    assert f"?pair={pair.pk}" in queue and "覃海艳" not in queue
    form = client.get(reverse("flows:new", args=["merge"]) + f"?pair={pair.pk}")
    assert form.status_code == 200
    assert "覃海燕" in form.content.decode() and "覃海艳" not in form.content.decode()

    assert _ask(client, pair).status_code == 302
    request = ChangeRequest.objects.get()
    assert (request.kind, request.state, request.person, request.other_person) == (
        "merge",
        "pending",
        mine,
        theirs,
    )
    assert (request.origin.name, request.approver.name) == ("兴宁区", "青秀区")
    detail = client.get(reverse("flows:detail", args=[request.pk])).content.decode()
    assert "覃海燕（#" in detail and "其他区域的记录" in detail and "覃海艳" not in detail

    # The other side reads its own record named, the asker's not.
    client = client_for(qingxiu_user)
    detail = client.get(reverse("flows:detail", args=[request.pk])).content.decode()
    assert "覃海艳（#" in detail and "覃海燕" not in detail
    assert client.post(reverse("flows:approve", args=[request.pk])).status_code == 302

    request.refresh_from_db()
    assert request.state == "approved" and request.decided_by == qingxiu_user
    assert (request.person, request.other_person) == (mine, theirs)
    merge = Merge.objects.get()
    assert (merge.survivor, merge.merged) == (theirs, mine)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == Person.Status.ARCHIVED and f"#{theirs.pk}" in mine.archived_note
    # The kept record takes what it lacked from the other, and its related rows.
    assert theirs.email == "haiyan@example.cn" and theirs.name == "覃海艳"
    assert Honour.objects.get().person == theirs
    pair.refresh_from_db()
    assert pair.status == DuplicatePair.Status.MERGED
    entry = AuditEntry.objects.filter(object_id=str(theirs.pk), changes__has_key="merge").get()
    assert entry.changes["merge"]["approved"] == f"合并申请 #{request.pk}"
    assert entry.user == qingxiu_user


def test_only_the_other_side_or_a_node_above_both_may_approve(
    twins, client_for, xingning_user, qingxiu_user, leader_user, city_user
):
    mine, theirs, pair = twins
    _ask(client_for(xingning_user), pair, keep="own")
    request = ChangeRequest.objects.get()
    colleague = User.objects.create_user(username="xn2", password=PASSWORD, role=User.Role.COUNTY)
    colleague.regions.set([mine.region])
    # The proposer, a colleague of the proposing side and a leader cannot.
    for user in (xingning_user, colleague, leader_user):
        client_for(user).post(reverse("flows:approve", args=[request.pk]))
        request.refresh_from_db()
        assert request.state == "pending", user.username
    assert not Merge.objects.exists()
    # The city, above both, can; the asker's record is kept this time.
    client_for(city_user).post(reverse("flows:approve", args=[request.pk]))
    request.refresh_from_db()
    assert request.state == "approved"
    merge = Merge.objects.get()
    assert (merge.survivor, merge.merged) == (mine, theirs)


def test_a_merge_request_needs_one_record_on_each_side(
    twins, make_person, regions, client_for, xingning_user, city_user, qingxiu_user
):
    mine, theirs, pair = twins
    # The city sees both records: it merges directly, no request.
    response = client_for(city_user).get(reverse("flows:new", args=["merge"]) + f"?pair={pair.pk}")
    assert response.status_code == 404
    # A pair of two 青秀区 records is nothing 兴宁区 may ask about (404).
    make_person("覃海雁", region=regions["qingxiu"], birth_date=BORN, mobile="13700000303")
    outside = DuplicatePair.objects.exclude(pk=pair.pk).filter(person_a=theirs).get()
    response = client_for(xingning_user).get(
        reverse("flows:new", args=["merge"]) + f"?pair={outside.pk}"
    )
    assert response.status_code == 404
    # A reason is required; asking twice is refused; nothing is written.
    client = client_for(xingning_user)
    page = _ask(client, pair, reason="").content.decode()
    assert "请填写合并理由" in page and not ChangeRequest.objects.exists()
    _ask(client, pair)
    page = _ask(client_for(qingxiu_user), pair, keep="own").content.decode()
    assert "已有同一事项的申请正在办理" in page
    assert ChangeRequest.objects.count() == 1


def test_a_request_no_longer_fits_once_a_record_moved(
    twins, client_for, xingning_user, qingxiu_user, regions
):
    mine, theirs, pair = twins
    _ask(client_for(xingning_user), pair)
    request = ChangeRequest.objects.get()
    Person.objects.filter(pk=theirs.pk).update(region=regions["city"])
    response = client_for(qingxiu_user).post(reverse("flows:approve", args=[request.pk]))
    assert response.status_code in (302, 404)
    request.refresh_from_db()
    assert request.state == "pending" and not Merge.objects.exists()
