"""最近变更 on the home page: the newest history rows first, by the primary key."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tongxin.dashboard import views
from tongxin.people import services
from tongxin.people.models import Person

pytestmark = pytest.mark.django_db


def _recent(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    names = [row.name for row in response.context["recent"]]
    return names, [q["sql"] for q in queries.captured_queries]


def _move(person, region, actor):
    person.refresh_from_db()
    services.person_update(
        actor=actor, person=person, data={"region": region}, expected_version=person.version
    )


def test_it_reads_the_newest_rows_without_gathering_every_row_of_the_scope(
    client_for, xingning_user, make_person, regions
):
    for n in range(12):
        make_person(f"兴宁{n:02d}", region=regions["xingning"])
    make_person("青秀人员", region=regions["qingxiu"])
    names, queries = _recent(client_for(xingning_user))
    assert names == [f"兴宁{n:02d}" for n in range(11, 1, -1)]
    # the scope's every history row (id IN the visible persons), sorted: 1 s at 1M persons
    history = [q for q in queries if 'FROM "people_historicalperson"' in q]
    assert not any('"people_historicalperson"."id" IN (SELECT' in q for q in history)


def test_a_small_scope_past_the_window_asks_the_indexed_query_and_drops_who_moved_away(
    client_for, city_user, xingning_user, make_person, regions, monkeypatch
):
    monkeypatch.setattr(views, "RECENT_WINDOW", 3)
    make_person("张三", region=regions["xingning"])
    li = make_person("李四", region=regions["xingning"])
    for n in range(5):
        make_person(f"青秀{n}", region=regions["qingxiu"])
    _move(li, regions["qingxiu"], city_user)  # 李四's rows in 兴宁区 stay there, he does not
    names, queries = _recent(client_for(xingning_user))
    assert names == ["张三"]
    assert any('"people_historicalperson"."id" IN (SELECT' in q for q in queries)
    assert Person.history.filter(id=li.pk, region=regions["xingning"]).exists()


def test_the_window_drops_a_person_who_moved_away_too(
    client_for, city_user, xingning_user, make_person, regions
):
    li = make_person("李四", region=regions["xingning"])
    zhang = make_person("张三", region=regions["xingning"])
    zhang.refresh_from_db()
    services.person_update(
        actor=city_user, person=zhang, data={"job_title": "经理"}, expected_version=zhang.version
    )
    _move(li, regions["qingxiu"], city_user)
    names, _queries = _recent(client_for(xingning_user))
    assert names == ["张三", "张三"]


def test_the_rows_are_remembered_until_a_person_changes(
    client_for, city_user, xingning_user, make_person, regions
):
    zhang = make_person("张三", region=regions["xingning"])
    client = client_for(xingning_user)
    _recent(client)
    names, queries = _recent(client)
    assert names == ["张三"]
    # nothing changed: the newest id is read, the scope's rows are not looked for again
    assert not any('history_id" >' in q for q in queries)
    zhang.refresh_from_db()
    services.person_update(
        actor=city_user, person=zhang, data={"job_title": "经理"}, expected_version=zhang.version
    )
    names, queries = _recent(client)
    assert names == ["张三", "张三"]
    assert any('history_id" >' in q for q in queries)
    _move(zhang, regions["qingxiu"], city_user)
    names, _queries = _recent(client)
    assert names == []
