"""The person page: the timeline of every kind, current positions, the sidebar,
and the person list's 现任职务 filter."""

import datetime

import pytest
from django.urls import reverse

from tongxin.engagement import services
from tongxin.engagement.models import ClusterMembership, OrganisationMember, PositionType
from tongxin.engagement.tests.factories import make_record
from tongxin.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def rich_person(regions, make_person, city_user):
    """A person with one record of every kind, on distinct dates."""
    person = make_person("张三", region=regions["xingning"])
    region = regions["xingning"]

    def record(slug, **fields):
        return make_record(slug, actor=city_user, region=region, person=person, **fields)

    activity = record("activities", start_date=datetime.date(2026, 6, 1), end_date=None)
    training = record("trainings", start_date=datetime.date(2026, 5, 1), end_date=None)
    for target in (activity, training):
        services.persons_bulk_add(actor=city_user, target=target,
                                  persons=Person.objects.filter(pk=person.pk))  # fmt: skip
    record("secondments", start_date=datetime.date(2026, 4, 1), end_date=None)
    record("positions", start_date=datetime.date(2026, 3, 1))
    record("nominations")  # 推荐 on 2026-02-01
    record("honours", date=datetime.date(2026, 1, 1))
    org = record("organisations")
    OrganisationMember.objects.create(organisation=org, person=person, role="director",
                                      start_date=datetime.date(2025, 12, 1))  # fmt: skip
    cluster = record("clusters")
    ClusterMembership.objects.create(cluster=cluster, person=person)
    return person


def test_the_timeline_shows_every_kind_newest_first(client_for, xingning_user, rich_person):
    response = client_for(xingning_user).get(reverse("people:detail", args=[rich_person.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    timeline = text.split('data-testid="timeline"')[1].split("</table>")[0]
    kinds = [part.split('"')[0] for part in timeline.split('data-kind="')[1:]]
    # cluster membership and the registration happened today; the rest on their dates
    assert set(kinds) == {"activity", "training", "secondment", "position", "nomination",
                          "honour", "organisation", "cluster", "history"}  # fmt: skip
    dated = [k for k in kinds if k not in {"cluster", "history"}]
    assert dated == ["activity", "training", "secondment", "position", "nomination", "honour",
                     "organisation"]  # fmt: skip
    assert kinds.index("cluster") < kinds.index("activity")
    assert "主题教育读书班" in timeline and "2026年6月1日" in timeline
    assert "优秀中国特色社会主义事业建设者" in timeline
    # the current position shows in the side panel
    positions = text.split('data-testid="current-positions"')[1].split("</ul>")[0]
    assert "市 第十四届 政协委员 委员" in positions


def test_the_timeline_filters_by_kind(client_for, xingning_user, rich_person):
    client = client_for(xingning_user)
    url = reverse("engagement:person_timeline", args=[rich_person.pk])
    response = client.get(url, {"kind": "honour"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    text = response.content.decode()
    assert text.count("data-kind=") == 1 and 'data-kind="honour"' in text
    assert "<html" not in text


def test_the_timeline_costs_one_query_per_kind(
    client_for, xingning_user, rich_person, django_assert_max_num_queries
):
    client = client_for(xingning_user)
    url = reverse("engagement:person_timeline", args=[rich_person.pk])
    # The first request reads the small tables each process keeps (the
    # person's region and dictionaries, people/kept.py); counted warm.
    client.get(url)
    with django_assert_max_num_queries(16):
        client.get(url)


def test_another_regions_timeline_answers_404(client_for, qingxiu_user, rich_person):
    url = reverse("engagement:person_timeline", args=[rich_person.pk])
    assert client_for(qingxiu_user).get(url).status_code == 404


def test_the_timeline_is_read_only_for_leader(client_for, leader_user, rich_person):
    text = client_for(leader_user).get(reverse("people:detail", args=[rich_person.pk]))
    text = text.content.decode()
    assert 'data-testid="timeline"' in text
    assert "新增职务" not in text


def test_the_sidebar_has_the_engagement_entries(client_for, leader_user, xingning_user):
    for user in (leader_user, xingning_user):
        text = client_for(user).get(reverse("engagement:activities_list")).content.decode()
        nav = text.split('aria-label="主导航"')[1].split("</nav>")[0]
        assert "培养使用" in nav
        for label in ("活动", "培训与挂职", "政治安排", "提名考察", "表彰", "组织载体", "聚集区域"):
            assert label in nav


def test_person_list_filters_by_current_position(client_for, city_user, regions, make_person):
    deputy = make_person("张三", region=regions["xingning"])
    former = make_person("李四", region=regions["xingning"])
    make_person("王五", region=regions["qingxiu"])
    make_record("positions", actor=city_user, region=None, person=deputy,
                type=PositionType.DEPUTY, level="county")  # fmt: skip
    make_record("positions", actor=city_user, region=None, person=former,
                type=PositionType.DEPUTY, level="county", start_date=datetime.date(2015, 1, 1),
                end_date=datetime.date(2020, 1, 1))  # fmt: skip
    client = client_for(city_user)
    text = client.get(reverse("people:list"), {"position": "deputy"}).content.decode()
    assert "张三" in text and "李四" not in text and "王五" not in text
    assert 'data-testid="total">1<' in text
    assert '<option value="deputy" selected>人大代表</option>' in text
    # other filters still work alongside, and an unknown type is reported
    text = client.get(reverse("people:list"), {"position": "cppcc"}).content.decode()
    assert 'data-testid="total">0<' in text
    text = client.get(reverse("people:list"), {"position": "x"}).content.decode()
    assert "筛选条件“现任职务”无效" in text


def test_person_filter_keeps_position_in_its_query():
    from tongxin.people.listing import PersonFilter

    f = PersonFilter.from_query({"position": "cppcc", "level": "city"})
    assert f.as_query() == {"position": "cppcc", "level": "city", "status": "active",
                            "sort": "recent"}  # fmt: skip
    assert PersonFilter.from_query({}).position == ""
