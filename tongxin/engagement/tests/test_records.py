"""Create, edit, list, filter, cancel, region access, leader read-only, history and
audit for every record type the generic pages serve."""

import pytest
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.engagement.kinds import KINDS
from tongxin.engagement.models import Position, PositionType, RecordStatus
from tongxin.engagement.tests.factories import EDITS, PERSON_KINDS, make_record, post_data

pytestmark = pytest.mark.django_db

SLUGS = list(KINDS)


def _url(slug, view, *args):
    return reverse(f"engagement:{slug}_{view}", args=args)


@pytest.fixture
def person(make_person, regions):
    return make_person("张三", region=regions["xingning"])


def _record(slug, regions, person, region_key="xingning", actor=None, **overrides):
    return make_record(slug, actor=actor, region=regions[region_key], person=person, **overrides)


# --- create ---------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_it_creates_a_record(slug, client_for, xingning_user, regions, person):
    client = client_for(xingning_user)
    url = _url(slug, "create") + (f"?person={person.pk}" if slug in PERSON_KINDS else "")
    assert client.get(url).status_code == 200
    response = client.post(url, post_data(slug, regions["xingning"]))
    assert response.status_code == 302, response.content.decode()[:3000]
    record = KINDS[slug].model.objects.get()
    assert response.url == _url(slug, "detail", record.pk)
    assert record.region == regions["xingning"]
    assert record.status == RecordStatus.ACTIVE
    if slug in PERSON_KINDS:
        assert record.person == person
    assert record.history.count() == 1
    entry = AuditEntry.objects.get(action="create", object_id=str(record.pk),
                                   object_type=record._meta.label_lower)  # fmt: skip
    assert entry.user == xingning_user
    assert entry.region == regions["xingning"]
    page = client.get(response.url).content.decode()
    assert EDITS[slug][0] in page


@pytest.mark.parametrize("slug", [s for s in SLUGS if s not in PERSON_KINDS])
def test_it_refuses_a_region_the_user_may_not_write(slug, client_for, xingning_user, regions):
    response = client_for(xingning_user).post(
        _url(slug, "create"), post_data(slug, regions["qingxiu"])
    )
    assert response.status_code == 200
    assert "所属区域" in response.content.decode()
    assert not KINDS[slug].model.objects.exists()


@pytest.mark.parametrize("slug", sorted(PERSON_KINDS))
def test_it_creates_person_records_only_for_visible_persons(
    slug, client_for, xingning_user, make_person, regions
):
    other = make_person("王五", region=regions["qingxiu"])
    client = client_for(xingning_user)
    url = _url(slug, "create") + f"?person={other.pk}"
    assert client.get(url).status_code == 404
    assert client.post(url, post_data(slug, regions["qingxiu"])).status_code == 404
    assert not KINDS[slug].model.objects.exists()


@pytest.mark.parametrize("slug", sorted(PERSON_KINDS))
def test_it_offers_a_person_search_before_a_person_record(slug, client_for, xingning_user, person):
    response = client_for(xingning_user).get(_url(slug, "create"), {"q": "张三"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "张三" in text and f"?person={person.pk}" in text


def test_it_names_the_field_of_bad_input(client_for, xingning_user, regions, person):
    client = client_for(xingning_user)
    response = client.post(
        _url("positions", "create") + f"?person={person.pk}",
        post_data("positions", regions["xingning"], level="", end_date="2025-01-01"),
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "人大代表、政协委员须选择级别" in text
    assert "结束日期不能早于开始日期" in text
    assert not Position.objects.exists()


def test_a_branch_needs_a_parent(client_for, xingning_user, regions):
    response = client_for(xingning_user).post(
        _url("organisations", "create"),
        post_data("organisations", regions["xingning"], kind="branch"),
    )
    assert "联谊会分会须选择上级组织" in response.content.decode()


# --- edit ------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_it_edits_a_record_with_history_and_audit(slug, client_for, xingning_user, regions, person):
    record = _record(slug, regions, person)
    _, field, value = EDITS[slug]
    client = client_for(xingning_user)
    assert client.get(_url(slug, "edit", record.pk)).status_code == 200
    data = post_data(slug, regions["xingning"], **{field: value}, version=record.version)
    response = client.post(_url(slug, "edit", record.pk), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    record.refresh_from_db()
    assert getattr(record, field) == value
    assert record.version == 2
    assert record.history.count() == 2
    entry = AuditEntry.objects.get(action="update", object_id=str(record.pk),
                                   object_type=record._meta.label_lower)  # fmt: skip
    assert value in str(entry.changes)
    page = client.get(_url(slug, "detail", record.pk)).content.decode()
    assert value in page and "变更历史" in page


@pytest.mark.parametrize("slug", ["activities", "positions"])
def test_it_refuses_a_stale_edit(slug, client_for, xingning_user, regions, person):
    record = _record(slug, regions, person)
    _, field, value = EDITS[slug]
    response = client_for(xingning_user).post(
        _url(slug, "edit", record.pk),
        post_data(slug, regions["xingning"], **{field: value}, version=record.version - 1 or 99),
    )
    assert response.status_code == 200
    assert "已被他人修改" in response.content.decode()
    record.refresh_from_db()
    assert getattr(record, field) != value


# --- list and filter ---------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_it_lists_only_the_users_region(
    slug, client_for, xingning_user, regions, person, make_person, django_assert_max_num_queries
):
    _record(slug, regions, person)
    other_person = make_person("王五", region=regions["qingxiu"])
    marker = EDITS[slug][0]
    _record(slug, regions, other_person, region_key="qingxiu")
    client = client_for(xingning_user)
    with django_assert_max_num_queries(12):
        response = client.get(_url(slug, "list"))
    assert response.status_code == 200
    text = response.content.decode()
    assert marker in text
    assert 'data-testid="total">1<' in text


@pytest.mark.parametrize("slug", SLUGS)
def test_it_filters_by_region_text_and_status(slug, client_for, city_user, regions, person,
                                              make_person):  # fmt: skip
    first = _record(slug, regions, person)
    other_person = make_person("王五", region=regions["qingxiu"])
    _record(slug, regions, other_person, region_key="qingxiu")
    client = client_for(city_user)
    text = client.get(_url(slug, "list")).content.decode()
    assert 'data-testid="total">2<' in text
    text = client.get(_url(slug, "list"), {"region": regions["qingxiu"].pk}).content.decode()
    assert 'data-testid="total">1<' in text
    text = client.get(_url(slug, "list"), {"q": "不存在的内容"}).content.decode()
    assert 'data-testid="total">0<' in text
    client.post(_url(slug, "cancel", first.pk), {"note": "录入错误"})
    text = client.get(_url(slug, "list")).content.decode()
    assert 'data-testid="total">1<' in text
    text = client.get(_url(slug, "list"), {"status": "cancelled"}).content.decode()
    assert 'data-testid="total">1<' in text and "已撤销" in text


def test_it_filters_positions_by_type_and_current(client_for, city_user, regions, person):
    _record("positions", regions, person)
    _record("positions", regions, person, type=PositionType.TRADE, level="",
            organisation="南宁市软件行业协会", end_date=__import__("datetime").date(2020, 1, 1),
            start_date=__import__("datetime").date(2018, 1, 1))  # fmt: skip
    client = client_for(city_user)
    text = client.get(_url("positions", "list"), {"type": "trade"}).content.decode()
    assert "南宁市软件行业协会" in text and "南宁市政协" not in text
    text = client.get(_url("positions", "list"), {"current": "1"}).content.decode()
    assert "南宁市政协" in text and "南宁市软件行业协会" not in text


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_another_regions_record_answers_404(slug, client_for, xingning_user, regions,
                                            make_person):  # fmt: skip
    other_person = make_person("王五", region=regions["qingxiu"])
    record = _record(slug, regions, other_person, region_key="qingxiu")
    client = client_for(xingning_user)
    for view in ("detail", "edit"):
        assert client.get(_url(slug, view, record.pk)).status_code == 404
    assert client.post(_url(slug, "cancel", record.pk)).status_code == 404
    record.refresh_from_db()
    assert record.status == RecordStatus.ACTIVE


@pytest.mark.parametrize("slug", SLUGS)
def test_leader_reads_but_may_not_write(slug, client_for, leader_user, regions, person):
    record = _record(slug, regions, person)
    client = client_for(leader_user)
    assert client.get(_url(slug, "list")).status_code == 200
    page = client.get(_url(slug, "detail", record.pk))
    assert page.status_code == 200
    assert "确认撤销" not in page.content.decode()
    create_url = _url(slug, "create") + (f"?person={person.pk}" if slug in PERSON_KINDS else "")
    assert client.get(create_url).status_code == 404
    assert client.post(create_url, post_data(slug, regions["xingning"])).status_code == 404
    assert client.get(_url(slug, "edit", record.pk)).status_code == 404
    assert client.post(_url(slug, "cancel", record.pk)).status_code == 404
    assert KINDS[slug].model.objects.count() == 1


@pytest.mark.parametrize("slug", ["activities", "honours"])
def test_evaluator_sees_nothing(slug, client_for, regions, person):
    from tongxin.accounts.models import User

    evaluator = User.objects.create_user(username="ev", password="x", role=User.Role.EVALUATOR)
    record = _record(slug, regions, person)
    client = client_for(evaluator)
    assert client.get(_url(slug, "list")).status_code == 404
    assert client.get(_url(slug, "detail", record.pk)).status_code == 404


# --- cancel ---------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_it_cancels_instead_of_deleting(slug, client_for, xingning_user, regions, person):
    record = _record(slug, regions, person)
    client = client_for(xingning_user)
    response = client.post(_url(slug, "cancel", record.pk), {"note": "录入错误"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == RecordStatus.CANCELLED
    assert record.history.first().history_change_reason == "撤销：录入错误"
    assert AuditEntry.objects.filter(action="update", object_id=str(record.pk),
                                     changes__status=["有效", "已撤销"]).exists()  # fmt: skip
    # a cancelled record is not edited any more
    assert client.get(_url(slug, "edit", record.pk)).status_code == 404
