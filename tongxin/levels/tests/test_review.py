import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.levels.models import PersonReview, ReviewCycle
from tongxin.levels.services import person_review_mark, review_cycle_start

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


@pytest.fixture
def cycle(city_user):
    return review_cycle_start(actor=city_user, year=YEAR)


def test_city_staff_start_the_year(client_for, city_user, regions):
    client = client_for(city_user)
    text = client.get(reverse("levels:review")).content.decode()
    assert f"{YEAR}年度更新尚未发起" in text
    response = client.post(reverse("levels:review_start"), {"year": YEAR})
    assert response.status_code == 302
    cycle = ReviewCycle.objects.get(year=YEAR)
    assert cycle.started_by == city_user
    assert AuditEntry.objects.filter(object_type="levels.reviewcycle", action="create").exists()
    response = client.post(reverse("levels:review_start"), {"year": YEAR})
    assert f"{YEAR}年度更新已经发起" in client.get(response.url).content.decode()
    assert ReviewCycle.objects.count() == 1


def test_county_staff_and_leaders_cannot_start(client_for, xingning_user, leader_user, regions):
    for user in (xingning_user, leader_user):
        assert (
            client_for(user).post(reverse("levels:review_start"), {"year": YEAR}).status_code == 404
        )
    assert not ReviewCycle.objects.exists()


def test_staff_mark_a_record_reviewed(client_for, xingning_user, make_person, cycle):
    person = make_person("张三")
    other = make_person("李四")
    client = client_for(xingning_user)
    page = client.get(reverse("people:detail", args=[person.pk])).content.decode()
    assert "待复核" in page and "标记已复核" in page
    response = client.post(reverse("levels:review_mark", args=[person.pk]), {"note": "电话已核实"})
    assert response.status_code == 302
    review = PersonReview.objects.get(cycle=cycle, person=person)
    assert review.reviewed_by == xingning_user and review.note == "电话已核实"
    entry = AuditEntry.objects.get(action="update", object_id=str(person.pk))
    assert entry.changes["review"] == f"{YEAR}年度复核"
    page = client.get(reverse("people:detail", args=[person.pk])).content.decode()
    assert "已复核" in page and "标记已复核" not in page
    # A second mark changes nothing.
    response = client.post(reverse("levels:review_mark", args=[person.pk]), {"note": "再次"})
    assert "已复核" in client.get(response.url).content.decode()
    assert PersonReview.objects.count() == 1

    overview = client.get(reverse("levels:review"))
    completion = {c.region.name: (c.reviewed, c.due) for c in overview.context["completion"]}
    assert completion == {"兴宁区": (1, 2)}
    due = client.get(reverse("levels:review"), {"reviewed": "no"}).context["rows"]
    assert [p.name for p, _ in due] == [other.name]
    done = client.get(reverse("levels:review"), {"reviewed": "yes"}).content.decode()
    assert "电话已核实" in done and "xingning" in done


def test_marking_needs_a_started_year(client_for, xingning_user, make_person, regions):
    person = make_person("张三")
    response = client_for(xingning_user).post(reverse("levels:review_mark", args=[person.pk]))
    assert f"{YEAR}年度更新尚未发起" in client_for(xingning_user).get(response.url).content.decode()
    assert not PersonReview.objects.exists()


def test_archived_persons_are_not_due(client_for, city_user, make_person, cycle):
    from tongxin.people.services import person_archive

    make_person("张三")
    gone = make_person("李四")
    person_archive(actor=city_user, person=gone, reason="died", on_date=datetime.date(2026, 1, 1))
    response = client_for(city_user).get(reverse("levels:review"))
    assert response.context["total_due"] == 1
    client_for(city_user).post(reverse("levels:review_mark", args=[gone.pk]))
    assert not PersonReview.objects.exists()


def test_county_staff_cannot_see_other_regions_reviews(
    client_for, xingning_user, qingxiu_user, make_person, regions, cycle
):
    mine = make_person("兴宁人", region=regions["xingning"])
    theirs = make_person("青秀人", region=regions["qingxiu"])
    person_review_mark(actor=qingxiu_user, cycle=cycle, person=theirs, note="秘密备注")
    client = client_for(xingning_user)
    response = client.get(reverse("levels:review"))
    text = response.content.decode()
    assert "兴宁人" in text
    assert "青秀人" not in text and "秘密备注" not in text and "青秀区" not in text
    assert [c.region.name for c in response.context["completion"]] == ["兴宁区"]
    assert (
        client.get(reverse("levels:review"), {"region": regions["qingxiu"].pk}).status_code == 404
    )
    assert client.post(reverse("levels:review_mark", args=[theirs.pk])).status_code == 404
    assert PersonReview.objects.filter(person=mine).count() == 0


def test_the_leader_reads_but_cannot_mark(client_for, leader_user, make_person, cycle):
    person = make_person("张三")
    client = client_for(leader_user)
    assert client.get(reverse("levels:review")).status_code == 200
    assert client.post(reverse("levels:review_mark", args=[person.pk])).status_code == 404
    assert not PersonReview.objects.exists()
    assert (
        "标记已复核" not in client.get(reverse("people:detail", args=[person.pk])).content.decode()
    )


def test_it_pins_the_query_count(
    client_for, city_user, make_person, cycle, django_assert_max_num_queries
):
    for i in range(30):
        make_person(f"张{i}")
    client = client_for(city_user)
    client.get(reverse("levels:review"))
    # + 1: the placement (regions.scope)
    with django_assert_max_num_queries(11):
        response = client.get(reverse("levels:review"))
    assert len(response.context["rows"]) == 30


def test_the_nav_offers_levels_and_review(client_for, xingning_user):
    text = client_for(xingning_user).get(reverse("home")).content.decode()
    assert "分级与名额" in text and "年度更新" in text


def test_completion_counts_follow_every_mark_and_archive(
    client_for, city_user, xingning_user, make_person, regions, cycle
):
    from tongxin.people.services import person_archive

    a = make_person("兴一", region=regions["xingning"])
    b = make_person("兴二", region=regions["xingning"])
    c = make_person("青一", region=regions["qingxiu"])
    client = client_for(city_user)

    def completion() -> dict[str, tuple[int, int]]:
        response = client.get(reverse("levels:review"))
        return {c.region.name: (c.reviewed, c.due) for c in response.context["completion"]}

    assert completion()["兴宁区"] == (0, 2)
    person_review_mark(actor=xingning_user, cycle=cycle, person=a)
    person_review_mark(actor=city_user, cycle=cycle, person=c)
    assert completion()["兴宁区"] == (1, 2)
    assert completion()["青秀区"] == (1, 1)
    # The counts are the list's: a reviewed person archived later is neither due nor reviewed.
    person_archive(actor=city_user, person=a, reason="died", on_date=datetime.date(2026, 1, 1))
    assert completion()["兴宁区"] == (0, 1)
    listed = client.get(
        reverse("levels:review"), {"region": regions["xingning"].pk, "reviewed": "yes"}
    )
    assert listed.context["rows"] == []
    person_review_mark(actor=xingning_user, cycle=cycle, person=b)
    assert completion()["兴宁区"] == (1, 1)
    counts = completion()
    for region in (regions["xingning"], regions["qingxiu"]):
        active = region.persons.filter(status="active")
        reviewed = PersonReview.objects.filter(cycle=cycle, person__in=active)
        assert counts[region.name] == (reviewed.count(), active.count())


def test_the_review_page_counts_once_per_change(client_for, city_user, make_person, cycle):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_person("张三")
    client = client_for(city_user)
    client.get(reverse("levels:review"))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("levels:review"))
    assert not [q for q in queries if "GROUP BY" in q["sql"]]
