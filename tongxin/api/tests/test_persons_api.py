import pytest

from tongxin.api.models import ApiClient
from tongxin.audit.models import AuditEntry
from tongxin.conftest import make_id_number
from tongxin.people.models import Person

pytestmark = pytest.mark.django_db

READ_WRITE = ApiClient.Access.READ_WRITE


def _call_rows():
    return AuditEntry.objects.filter(object_type="api.call").order_by("id")


def test_it_lists_the_persons_of_the_clients_region_only_with_identifiers_masked(
    make_api_client, call, make_person, regions
):
    mine = make_person("张三", mobile="13912345678")
    other = make_person("李四", region=regions["qingxiu"])
    client, token = make_api_client(regions["xingning"])

    response = call(token, "get", "/api/v1/persons")

    assert response.status_code == 200
    items = response.json()["items"]
    assert [p["id"] for p in items] == [mine.pk]
    assert items[0]["name"] == "张三"
    assert items[0]["id_number"] == mine.id_number[:6] + "********" + mine.id_number[-4:]
    assert items[0]["mobile"] == "139****5678"
    assert "李四" not in response.content.decode()
    assert other.id_number not in response.content.decode()
    # The call's audit row: the client, the route and the records it read.
    row = _call_rows().get()
    assert row.username == f"接口：{client.name}"
    assert row.action == AuditEntry.Action.VIEW
    assert row.region == regions["xingning"]
    assert row.changes["route"] == "api:persons"
    assert row.changes["touched"] == {"people.person": [mine.pk]}
    assert row.changes["status"] == 200
    assert row.changes["identifiers"] == "打码"


def test_it_gives_full_identifiers_to_a_client_allowed_to_receive_them(
    make_api_client, call, make_person
):
    person = make_person("张三", mobile="13912345678")
    _client, token = make_api_client(unmasked=True)

    item = call(token, "get", f"/api/v1/persons/{person.pk}").json()

    assert item["id_number"] == person.id_number
    assert item["mobile"] == "13912345678"
    assert _call_rows().get().changes["identifiers"] == "完整"


def test_it_filters_and_searches_as_the_list_page_does(make_api_client, call, make_person, regions):
    zhang = make_person("张伟", level=Person.Level.COUNTY)
    make_person("王芳", level=Person.Level.RESERVE)
    _client, token = make_api_client(regions["city"])

    by_name = call(token, "get", "/api/v1/persons", {"q": "张伟"}).json()["items"]
    by_level = call(token, "get", "/api/v1/persons", {"level": "county"}).json()["items"]
    by_initials = call(token, "get", "/api/v1/persons", {"q": "zw"}).json()["items"]

    assert [p["id"] for p in by_name] == [zhang.pk]
    assert [p["id"] for p in by_level] == [zhang.pk]
    assert [p["id"] for p in by_initials] == [zhang.pk]


def test_it_pages_by_cursor_through_every_person_once(make_api_client, call, make_person):
    made = {make_person(f"人员{i}").pk for i in range(5)}
    _client, token = make_api_client()

    seen, cursor, pages = [], None, 0
    while True:
        params = {"size": 2, "sort": "name", "with_total": "true"}
        if cursor:
            params["cursor"] = cursor
        body = call(token, "get", "/api/v1/persons", params).json()
        assert body["total"] == 5
        seen += [p["id"] for p in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break

    assert pages == 3
    assert sorted(seen) == sorted(made) and len(seen) == 5


def test_an_invalid_filter_answers_the_error_shape_naming_the_field(make_api_client, call):
    _client, token = make_api_client()

    response = call(token, "get", "/api/v1/persons", {"sex": "X", "age": "abc", "size": "0"})

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    fields = {item["field"] for item in error["items"]}
    assert fields == {"size"}  # the parameters' types are checked first
    assert "每页条数" in error["items"][0]["message"]

    response = call(token, "get", "/api/v1/persons", {"sex": "X", "age": "abc"})
    error = response.json()["error"]
    assert {item["field"] for item in error["items"]} == {"sex", "age"}
    assert "性别" in error["message"] and "年龄段" in error["message"]


def test_a_person_outside_the_region_answers_404_in_the_error_shape(
    make_api_client, call, make_person, regions
):
    other = make_person("李四", region=regions["qingxiu"])
    _client, token = make_api_client(regions["xingning"])

    response = call(token, "get", f"/api/v1/persons/{other.pk}")

    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "人员不存在", "items": []}}
    assert "李四" not in response.content.decode()
    assert _call_rows().get().changes["status"] == 404


def test_one_person_carries_the_long_fields(make_api_client, call, make_person):
    person = make_person("张三", resume="2000年至今 某公司")
    _client, token = make_api_client()

    item = call(token, "get", f"/api/v1/persons/{person.pk}").json()

    assert item["resume"] == "2000年至今 某公司"
    assert item["region"]["name"] == "兴宁区"
    assert item["ethnicity"] == "汉族"


# --- batch upsert -----------------------------------------------------------------

NEW_ID = make_id_number("450102", sex="F")


def _item(**fields):
    return {
        "name": "王芳",
        "id_number": NEW_ID,
        "ethnicity": "汉",
        "political_status": "无党派人士",
        "group": "民营企业",
        **fields,
    }


def test_a_batch_creates_and_updates_persons_keyed_by_resident_id(
    make_api_client, call, make_person
):
    existing = make_person("张三", employer="旧单位")
    client, token = make_api_client(access=READ_WRITE)

    response = call(
        token,
        "post",
        "/api/v1/persons/batch",
        {"items": [_item(), {"id_number": existing.id_number, "employer": "新单位"}]},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["error"] is None
    assert [r["outcome"] for r in body["results"]] == ["create", "update"]
    created = Person.objects.get(pk=body["results"][0]["id"])
    assert (created.name, created.sex, created.region.name) == ("王芳", "F", "兴宁区")
    assert created.birth_date.isoformat() == "1985-06-01"  # from the ID, as the import does
    existing.refresh_from_db()
    assert (existing.employer, existing.version) == ("新单位", 2)
    assert body["results"][1]["changed"] == ["employer"]
    # Each write has its own audit row; the call's row names both records.
    assert AuditEntry.objects.filter(action="create", object_id=str(created.pk)).exists()
    update = AuditEntry.objects.get(action="update", object_id=str(existing.pk))
    assert update.changes["employer"] == ["旧单位", "新单位"]
    call_row = _call_rows().get()
    assert call_row.action == AuditEntry.Action.IMPORT
    assert sorted(call_row.changes["touched"]["people.person"]) == sorted([created.pk, existing.pk])
    assert call_row.username == f"接口：{client.name}"


def test_skip_leaves_registered_persons_as_they_are(make_api_client, call, make_person):
    existing = make_person("张三", employer="旧单位")
    _client, token = make_api_client(access=READ_WRITE)

    body = call(
        token,
        "post",
        "/api/v1/persons/batch",
        {"items": [{"id_number": existing.id_number, "employer": "新单位"}], "on_existing": "skip"},
    ).json()

    assert body["results"][0]["outcome"] == "skip"
    existing.refresh_from_db()
    assert existing.employer == "旧单位"


def test_all_or_nothing_writes_nothing_when_one_item_is_invalid(make_api_client, call):
    _client, token = make_api_client(access=READ_WRITE)
    before = Person.objects.count()

    response = call(
        token,
        "post",
        "/api/v1/persons/batch",
        {
            "items": [_item(), _item(name="赵六", id_number="450102198506010012", mobile="123")],
            "all_or_nothing": True,
        },
    )

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert "未写入任何数据" in error["message"]
    by_field = {(i["index"], i["field"]): i["message"] for i in error["items"]}
    # An unreadable mobile is not a reason to refuse a person (docs/features/
    # imports.md, "required means required by the office"): it would import
    # blank with a warning; the wrong ID number is the one error.
    assert set(by_field) == {(1, "id_number")}
    assert "公民身份号码" in by_field[(1, "id_number")]
    assert Person.objects.count() == before
    assert not AuditEntry.objects.filter(action="create", object_type="people.person").exists()


def test_without_all_or_nothing_the_valid_items_are_written_and_the_others_reported(
    make_api_client, call
):
    _client, token = make_api_client(access=READ_WRITE)

    body = call(
        token,
        "post",
        "/api/v1/persons/batch",
        {"items": [_item(ethnicity="火星族"), _item(name="王芳二", id_number=make_id_number())]},
    ).json()

    assert [r["outcome"] for r in body["results"]] == ["invalid", "create"]
    assert body["error"]["items"] == [
        {
            "index": 0,
            "field": "ethnicity",
            "message": "民族“火星族”无法识别（不在数据字典中）：可在网页导入预览的“无法识别的值”"
            "中为它选择对应项，或改用下拉列表中的名称",
        }
    ]
    assert Person.objects.filter(name="王芳二").exists()
    assert not Person.objects.filter(name="王芳").exists()


def test_an_id_registered_in_another_region_is_reported_and_nothing_else(
    make_api_client, call, make_person, regions
):
    other = make_person("李四", region=regions["qingxiu"], employer="青秀单位")
    _client, token = make_api_client(regions["xingning"], access=READ_WRITE)

    response = call(
        token,
        "post",
        "/api/v1/persons/batch",
        {"items": [{"id_number": other.id_number, "employer": "新单位"}]},
    )

    body = response.json()
    assert body["error"]["items"] == [
        {"index": 0, "field": "id_number", "message": "该公民身份号码已在其他区域登记"}
    ]
    text = response.content.decode()
    assert "李四" not in text and "青秀" not in text
    other.refresh_from_db()
    assert other.employer == "青秀单位"


def test_a_batch_cannot_place_a_person_outside_the_clients_region(make_api_client, call, regions):
    _client, token = make_api_client(regions["xingning"], access=READ_WRITE)

    body = call(token, "post", "/api/v1/persons/batch", {"items": [_item(region="青秀区")]}).json()

    assert body["results"][0]["outcome"] == "invalid"
    assert body["error"]["items"][0]["field"] == "region"
    assert "无权导入到“青秀区”" in body["error"]["items"][0]["message"]
    assert not Person.objects.filter(name="王芳").exists()


def test_the_same_id_twice_in_one_batch_is_refused_by_index(make_api_client, call):
    _client, token = make_api_client(access=READ_WRITE)

    body = call(
        token, "post", "/api/v1/persons/batch", {"items": [_item(), _item(name="王芳同号")]}
    ).json()

    assert [r["outcome"] for r in body["results"]] == ["create", "duplicate"]
    assert body["error"]["items"] == [
        {"index": 1, "field": "id_number", "message": "与第0项的公民身份号码重复"}
    ]


def test_a_read_only_client_may_not_write(make_api_client, call):
    _client, token = make_api_client(access=ApiClient.Access.READ)

    response = call(token, "post", "/api/v1/persons/batch", {"items": [_item()]})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert not Person.objects.filter(name="王芳").exists()
    assert _call_rows().get().changes["status"] == 403


def test_a_malformed_body_is_answered_in_the_error_shape(make_api_client, call):
    _client, token = make_api_client(access=READ_WRITE)

    response = call(token, "post", "/api/v1/persons/batch", {"items": "x", "on_existing": "keep"})

    assert response.status_code == 422
    error = response.json()["error"]
    assert {item["field"] for item in error["items"]} == {"items", "on_existing"}
    assert "数据项" in error["message"] and "已登记人员的处理方式" in error["message"]


def test_a_page_costs_the_same_queries_for_two_persons_as_for_twenty(
    make_api_client, call, make_person
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _client, token = make_api_client()
    make_person("人员甲")
    make_person("人员乙")
    call(token, "get", "/api/v1/persons")  # the first call also notes last_used_at
    with CaptureQueriesContext(connection) as two:
        assert len(call(token, "get", "/api/v1/persons").json()["items"]) == 2
    for i in range(18):
        make_person(f"人员{i}")
    with CaptureQueriesContext(connection) as twenty:
        assert len(call(token, "get", "/api/v1/persons").json()["items"]) == 20

    assert len(twenty) == len(two) <= 8, [q["sql"][:80] for q in twenty]
