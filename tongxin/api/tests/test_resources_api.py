"""Regions, dictionaries, tiers, 附件1, engagement records, requests and
suggestions through the API; authentication and the rate limit."""

import pytest
from django.utils import timezone

from tongxin.api.models import ApiClient
from tongxin.audit.models import AuditEntry
from tongxin.levels.tiers import tier_for
from tongxin.regions.tests.world import build_world
from tongxin.reports.summary import build_summary

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_person, regions):
    return build_world(make_person, regions)


def test_regions_are_the_clients_node_and_below(make_api_client, call, world):
    _client, token = make_api_client(world.regions["xingning"])

    body = call(token, "get", "/api/v1/regions").json()

    assert [r["name"] for r in body] == ["兴宁区", "民生街道", "民生社区"]
    assert body[0]["parent_id"] is None  # its parent (南宁市) is outside the client's region
    assert body[1]["parent_id"] == world.regions["xingning"].pk
    assert call(token, "get", f"/api/v1/regions/{world.regions['street'].pk}").status_code == 200
    outside = call(token, "get", f"/api/v1/regions/{world.regions['qingxiu'].pk}")
    assert outside.status_code == 404
    assert outside.json()["error"]["code"] == "not_found"


def test_dictionaries_carry_groups_with_their_subcategories(make_api_client, call, world):
    _client, token = make_api_client(world.regions["xingning"])

    body = call(token, "get", "/api/v1/dictionaries").json()

    assert "汉族" in [e["name"] for e in body["ethnicities"]]
    freelance = next(g for g in body["groups"] if g["is_freelance"])
    assert "自由写作人员" in [s["name"] for s in freelance["subcategories"]]
    assert {"value": "city", "label": "市级重点联系"} in body["levels"]


def test_tiers_count_the_persons_of_the_region_against_the_quota(make_api_client, call, world):
    tier = tier_for(world.regions["xingning"])  # 兴宁区's tier: 县区联系
    tier.quota = 2
    tier.save()
    _client, token = make_api_client(world.regions["xingning"])

    body = call(token, "get", "/api/v1/tiers").json()

    row = next(r for r in body["quotas"] if r["region"]["name"] == "兴宁区")
    county = next(c for c in row["cells"] if c["level"] == "county")
    # 兴宁甲 (the mover has left for 城中区; 街道甲 is counted in its street's row).
    assert county == {"level": "county", "count": 1, "quota": 2, "state": "under"}
    assert "青秀区" not in str(body)


def test_the_summary_of_a_node_equals_the_reports_table(make_api_client, call, world):
    _client, token = make_api_client(world.regions["city"])

    response = call(token, "get", "/api/v1/reports/summary")

    body = response.json()
    assert body["unit"] == "南宁市"
    assert body["columns"][:3] == ["南宁市", "兴宁区", "青秀区"]
    expected = build_summary(
        world.users["leader"], world.regions["city"], on_date=timezone.localdate()
    )
    assert body["grand_total"] == expected.grand_total == 3
    assert [r["cells"] for r in body["rows"]] == [r.cells for r in expected.rows]
    assert "柳州" not in response.content.decode()
    other = call(token, "get", "/api/v1/reports/summary", {"region": world.regions["liuzhou"].pk})
    assert other.status_code == 404


def test_an_activity_names_the_participants_inside_the_region_and_counts_the_others(
    make_api_client, call, world
):
    _client, token = make_api_client(world.regions["xingning"])
    activity = world.by_unit["xingning"]["activity"]

    body = call(token, "get", f"/api/v1/engagement/activities/{activity.pk}").json()

    assert body["fields"]["title"] == "兴宁活动"
    assert sorted(p["name"] for p in body["persons"]) == ["兴宁甲", "街道甲"]
    assert body["persons_outside"] == 1  # 城中甲 (青秀甲 withdrew)
    listed = call(token, "get", "/api/v1/engagement/activities").json()["items"]
    assert {a["fields"]["title"] for a in listed} == {"兴宁活动", "街道活动"}
    outside = world.by_unit["qingxiu"]["activity"]
    assert call(token, "get", f"/api/v1/engagement/activities/{outside.pk}").status_code == 404


def test_a_record_of_a_person_who_moved_away_does_not_name_them(make_api_client, call, world):
    _client, token = make_api_client(world.regions["xingning"])

    response = call(token, "get", "/api/v1/engagement/positions")

    moved = [p for p in response.json()["items"] if p["persons_outside"]]
    assert len(moved) == 1 and moved[0]["persons"] == []
    assert "迁出乙" not in response.content.decode()


def test_requests_and_suggestions_read_inside_the_region(make_api_client, call, world):
    _client, token = make_api_client(world.regions["street"])

    requests = call(token, "get", "/api/v1/service-requests").json()["items"]
    suggestions = call(token, "get", "/api/v1/suggestions").json()["items"]

    assert [r["fields"]["content"] for r in requests] == ["街道诉求内容"]
    assert [s["fields"]["title"] for s in suggestions] == ["街道建言"]
    assert requests[0]["persons"][0]["name"] == "街道甲"
    xingning_request = world.by_unit["xingning"]["request"]
    assert call(token, "get", f"/api/v1/service-requests/{xingning_request.pk}").status_code == 404


def test_record_pages_follow_the_cursor(make_api_client, call, world):
    _client, token = make_api_client(world.regions["province"])

    first = call(token, "get", "/api/v1/engagement/honours", {"size": 3}).json()
    second = call(
        token, "get", "/api/v1/engagement/honours", {"cursor": first["next_cursor"]}
    ).json()

    ids = [h["id"] for h in first["items"] + second["items"]]
    assert len(ids) == len(set(ids)) == 4
    assert second["next_cursor"] is None


def test_a_call_without_a_valid_token_is_refused_in_the_error_shape(call, world):
    for token in (None, "txapi_unknown", "not-even-a-prefix"):
        response = call(token, "get", "/api/v1/persons")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
        assert "令牌" in response.json()["error"]["message"]
    assert not AuditEntry.objects.filter(object_type="api.call").exists()


def test_a_session_does_not_open_the_api(client_for, world):
    web = client_for(world.users["province"])

    assert web.get("/api/v1/persons").status_code == 401


def test_calls_beyond_the_rate_are_refused_per_client(make_api_client, call, world, settings):
    settings.TONGXIN_API_RATE = "2/min"
    _one, token = make_api_client(world.regions["xingning"])
    _two, other = make_api_client(world.regions["xingning"])

    statuses = [call(token, "get", "/api/v1/regions").status_code for _ in range(3)]
    refused = call(token, "get", "/api/v1/regions")

    assert statuses == [200, 200, 429]
    assert refused.json()["error"] == {
        "code": "rate_limited",
        "message": "调用过于频繁，请稍后再试",
        "items": [],
    }
    assert int(refused["Retry-After"]) >= 1
    assert call(other, "get", "/api/v1/regions").status_code == 200  # counted per client
    rows = AuditEntry.objects.filter(object_type="api.call", object_id=str(_one.pk))
    assert sorted(rows.values_list("changes__status", flat=True)) == [200, 200, 429, 429]


def test_every_call_is_audited_with_client_route_and_records(make_api_client, call, world):
    client, token = make_api_client(world.regions["xingning"], access=ApiClient.Access.READ)
    honour = world.records[[type(r).__name__ for r in world.records].index("Honour")]

    call(token, "get", f"/api/v1/engagement/honours/{honour.pk}")

    row = AuditEntry.objects.get(object_type="api.call")
    assert row.changes["route"] == "api:honours_one"
    assert row.changes["touched"] == {"engagement.honour": [honour.pk]}
    assert row.object_repr == f"GET /api/v1/engagement/honours/{honour.pk}"
    assert row.username == f"接口：{client.name}"
