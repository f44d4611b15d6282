"""The review queue, a pair side by side, dismiss, merge, undo, the rules page."""

import datetime

import pytest
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.conftest import make_id_number
from tongxin.dedupe.models import DuplicatePair, DuplicateRule, Merge
from tongxin.people.models import Person

pytestmark = pytest.mark.django_db


def _id(county: str) -> str:
    return make_id_number(county, datetime.date(1985, 6, 1))


@pytest.fixture
def pair(make_person):
    # IDs of two counties far apart: the pair is found by name and birth date only.
    make_person("陶然", mobile="13700000101", employer="甲单位", id_number=_id("450102"))
    make_person(
        "陶然",
        mobile="13700000102",
        employer="乙单位",
        email="t@example.cn",
        id_number=_id("450205"),
    )
    return DuplicatePair.objects.get()


def test_it_lists_the_pairs_of_the_scope(client_for, xingning_user, pair, make_person, regions):
    make_person("石磊", mobile="13700000103")
    make_person("石垒", mobile="13700000104", region=regions["qingxiu"])
    page = client_for(xingning_user).get(reverse("dedupe:queue")).content.decode()
    assert reverse("dedupe:pair", args=[pair.pk]) in page
    assert f"<td>{pair.rule.name}</td>" in page
    # The pair across regions: only the user's own person, under 可能已在其他区域登记.
    assert "可能已在其他区域登记" in page
    assert "石磊" in page and "石垒" not in page


def test_another_region_cannot_open_or_decide_a_pair(client_for, qingxiu_user, pair):
    client = client_for(qingxiu_user)
    assert client.get(reverse("dedupe:pair", args=[pair.pk])).status_code == 404
    assert client.post(reverse("dedupe:dismiss", args=[pair.pk])).status_code == 404
    assert (
        client.post(reverse("dedupe:merge", args=[pair.pk]), {"survivor": "a"}).status_code == 404
    )
    assert "陶然" not in client.get(reverse("dedupe:queue")).content.decode()
    assert DuplicatePair.objects.get().status == "open"


def test_it_shows_both_records_side_by_side_with_what_differs(client_for, xingning_user, pair):
    page = client_for(xingning_user).get(reverse("dedupe:pair", args=[pair.pk])).content.decode()
    assert 'data-differs="employer"' in page
    assert 'data-differs="name"' not in page
    assert "甲单位" in page and "乙单位" in page
    assert "13700000101" not in page  # identifiers masked


def test_a_leader_reads_but_does_not_decide(client_for, leader_user, pair):
    client = client_for(leader_user)
    page = client.get(reverse("dedupe:pair", args=[pair.pk])).content.decode()
    assert "是同一人 → 合并" not in page
    assert client.post(reverse("dedupe:dismiss", args=[pair.pk])).status_code == 404


def test_it_remembers_not_the_same_person(client_for, xingning_user, pair):
    response = client_for(xingning_user).post(reverse("dedupe:dismiss", args=[pair.pk]))
    assert response.status_code == 302
    pair.refresh_from_db()
    assert (pair.status, pair.decided_by) == ("dismissed", xingning_user)
    assert AuditEntry.objects.filter(changes__dedupe="不是同一人").exists()


def test_it_dismisses_a_rule_s_pairs_at_once(client_for, xingning_user, pair, make_person):
    make_person("江河", mobile="13700000105", id_number=_id("450102"))
    make_person("江河", mobile="13700000106", id_number=_id("450205"))
    rule = pair.rule
    assert DuplicatePair.objects.filter(rule=rule).count() == 2
    client = client_for(xingning_user)
    client.post(reverse("dedupe:dismiss_rule"), {"rule": rule.pk})
    assert set(DuplicatePair.objects.values_list("status", flat=True)) == {"dismissed"}


def test_it_merges_with_the_picked_values_and_undoes(client_for, xingning_user, pair):
    client = client_for(xingning_user)
    response = client.post(
        reverse("dedupe:merge", args=[pair.pk]),
        {"survivor": "a", "pick_employer": "b", "pick_email": "b"},
    )
    survivor, merged = pair.person_a, pair.person_b
    assert response.status_code == 302
    assert response["Location"] == reverse("people:detail", args=[survivor.pk])
    survivor.refresh_from_db()
    assert (survivor.employer, survivor.email) == ("乙单位", "t@example.cn")
    assert Person.objects.get(pk=merged.pk).status == "archived"
    merge = Merge.objects.get()
    page = client.get(reverse("dedupe:queue")).content.decode()
    assert reverse("dedupe:merge_undo", args=[merge.pk]) in page

    client.post(reverse("dedupe:merge_undo", args=[merge.pk]))
    survivor.refresh_from_db()
    assert survivor.employer == "甲单位"
    assert Person.objects.get(pk=merged.pk).status == "active"
    assert DuplicatePair.objects.get().status == "open"


def test_another_region_cannot_undo_a_merge(client_for, xingning_user, qingxiu_user, pair):
    client_for(xingning_user).post(reverse("dedupe:merge", args=[pair.pk]), {"survivor": "b"})
    merge = Merge.objects.get()
    response = client_for(qingxiu_user).post(reverse("dedupe:merge_undo", args=[merge.pk]))
    assert response.status_code == 404
    assert Merge.objects.get().undone_at is None


def test_the_system_admin_edits_a_rule(client_for, admin_user, xingning_user):
    rule = DuplicateRule.objects.get(code="mobile")
    assert client_for(xingning_user).get(reverse("dedupe:rules")).status_code == 404
    client = client_for(admin_user)
    prefix = f"r{rule.pk}"
    data = {
        "rule": rule.pk,
        f"{prefix}-name": rule.name,
        f"{prefix}-w_mobile": "10",
        f"{prefix}-threshold": "12",
        f"{prefix}-blocking": ["mobile"],
        f"{prefix}-is_active": "on",
    }
    page = client.post(reverse("dedupe:rules"), data).content.decode()
    assert "判定阈值：须大于0且不超过各项权重之和" in page
    data[f"{prefix}-threshold"] = "9"
    data[f"{prefix}-w_mobile"] = "9"
    assert client.post(reverse("dedupe:rules"), data).status_code == 302
    rule.refresh_from_db()
    assert (rule.threshold, rule.weights) == (9, {"mobile": 9})
    assert AuditEntry.objects.filter(object_type="dedupe.duplicaterule").exists()
