"""The home page's quota fill and annual review cards (issue 6)."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.core import options
from tongxin.levels.hooks import home_cards
from tongxin.levels.models import Tier
from tongxin.levels.services import person_review_mark, review_cycle_start, tier_set
from tongxin.people.models import Person
from tongxin.people.services import person_archive
from tongxin.regions.versions import placements_changed

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The card's counts are cached per data version; rolled-back tests may reuse ids."""
    cache.clear()
    options.assume_none_stored()  # as the root conftest leaves it: no 系统参数 set
    yield
    cache.clear()


@pytest.fixture
def registry(make_person, regions, city_user):
    """兴宁区: 2 at county level, 1 reserve, 1 archived; 青秀区: 3 at county level;
    the city: 1 at city level. Quotas: 兴宁区 1 (over), 青秀区 3 (full)."""
    xingning, qingxiu = regions["xingning"], regions["qingxiu"]
    make_person("兴一", region=xingning)
    make_person("兴二", region=xingning)
    make_person("兴储", region=xingning, level=Person.Level.RESERVE)
    person_archive(
        actor=city_user,
        person=make_person("兴出", region=xingning),
        reason="moved_away",
        on_date=timezone.localdate(),
    )
    for name in ("青一", "青二", "青三"):
        make_person(name, region=qingxiu)
    make_person("市一", region=regions["city"], level=Person.Level.CITY)
    tier_set(actor=city_user, region=xingning, quota=1)
    tier_set(actor=city_user, region=qingxiu, quota=3)


def card(response, template: str) -> dict:
    return next(c for c in response.context["cards"] if c["template"] == template)


def card_html(response, testid: str) -> str:
    """The card's own HTML: up to the next card's column (or the next row)."""
    text = response.content.decode()
    start = text.index(f'data-testid="{testid}"')
    ends = [text.find(m, start) for m in ('<div class="col-lg-', '<div class="row g-3">')]
    return text[start : min(e for e in ends if e != -1)]


def active_count(**filters) -> int:
    return Person.objects.filter(status=Person.Status.ACTIVE, **filters).count()


# --- quota fill -------------------------------------------------------------------


def test_county_staff_see_only_their_regions_quota_fill(
    client_for, xingning_user, regions, registry
):
    response = client_for(xingning_user).get(reverse("home"))
    assert response.status_code == 200
    panel = card(response, "levels/home_quota.html")["context"]
    assert [row["region"] for row in panel["rows"]] == [regions["xingning"]]
    cells = {cell.level: cell for _, cell in panel["rows"][0]["cells"]}
    xingning = regions["xingning"]
    assert cells["county"].count == active_count(region=xingning, level="county") == 2
    assert cells["reserve"].count == active_count(region=xingning, level="reserve") == 1
    assert (cells["county"].quota, cells["county"].state) == (1, "over")
    html = card_html(response, "quota-home-card")
    assert '2<span class="text-muted">/1</span> 超出1' in html
    assert "table-danger" in html
    assert "青秀区" not in html and "南宁市" not in html
    assert reverse("levels:quotas") in html


def test_county_staff_see_under_quota(client_for, qingxiu_user, regions, make_person):
    make_person("青一", region=regions["qingxiu"])
    response = client_for(qingxiu_user).get(reverse("home"))
    html = card_html(response, "quota-home-card")
    assert '1<span class="text-muted">/50</span> 未满' in html
    assert "table-warning" in html


def test_city_staff_see_the_city_level_and_a_tally_of_the_counties(
    client_for, city_user, regions, registry
):
    response = client_for(city_user).get(reverse("home"))
    panel = card(response, "levels/home_quota.html")["context"]
    assert panel["compact"]
    assert panel["city"].count == active_count(level="city") == 1
    assert panel["city"].quota == 200 and panel["city"].state == "under"
    assert (panel["counties"], panel["full"], panel["under"]) == (2, 1, 0)
    assert panel["over"] == [regions["xingning"]]
    html = card_html(response, "quota-home-card")
    assert "超出名额：兴宁区" in html
    assert "县区联系（2个县区）" in html
    assert "已满1 · " in html  # 青秀区 is exactly full


def test_the_card_matches_the_quota_page(client_for, city_user, regions, registry):
    client = client_for(city_user)
    page = client.get(reverse("levels:quotas")).context["page"]
    city_row = next(r for r in page.quota_rows if r.is_city_total)
    panel = card(client.get(reverse("home")), "levels/home_quota.html")["context"]
    assert panel["city"] == city_row.cell("city")


# --- annual review ----------------------------------------------------------------


def test_no_review_yet_city_staff_are_sent_to_start_it(client_for, city_user, registry):
    html = card_html(client_for(city_user).get(reverse("home")), "review-home-card")
    assert f"{YEAR}年度更新尚未发起" in html
    assert "去发起年度更新" in html and reverse("levels:review") in html


@pytest.mark.parametrize("who", ["xingning_user", "leader_user"])
def test_no_review_yet_others_are_only_told(client_for, request, who, registry):
    html = card_html(
        client_for(request.getfixturevalue(who)).get(reverse("home")), "review-home-card"
    )
    assert f"{YEAR}年度更新尚未发起" in html
    assert "去发起" not in html


@pytest.fixture
def reviews(registry, city_user, xingning_user):
    """This year's review started; one of 兴宁区's two active persons reviewed."""
    cycle = review_cycle_start(actor=city_user, year=YEAR)
    person_review_mark(actor=xingning_user, cycle=cycle, person=Person.objects.get(name="兴一"))
    return cycle


def test_county_staff_see_their_review_progress(client_for, xingning_user, regions, reviews):
    response = client_for(xingning_user).get(reverse("home"))
    panel = card(response, "levels/home_review.html")["context"]
    assert [c.region for c in panel["completion"]] == [regions["xingning"]]
    due = active_count(region=regions["xingning"])
    assert (panel["total"].reviewed, panel["total"].due) == (1, due) == (1, 3)
    html = card_html(response, "review-home-card")
    assert "1/3" in html and "33%" in html
    assert "青秀区" not in html


def test_city_staff_see_review_progress_per_region(client_for, city_user, regions, reviews):
    response = client_for(city_user).get(reverse("home"))
    panel = card(response, "levels/home_review.html")["context"]
    by_region = {c.region.name: (c.reviewed, c.due) for c in panel["completion"]}
    assert by_region == {"兴宁区": (1, 3), "青秀区": (0, 3)}
    html = card_html(response, "review-home-card")
    assert f"?region={regions['qingxiu'].pk}&amp;reviewed=no" in html


def test_leaders_get_read_only_cards(client_for, leader_user, reviews):
    response = client_for(leader_user).get(reverse("home"))
    for testid in ("quota-home-card", "review-home-card"):
        html = card_html(response, testid)
        assert "<form" not in html
        assert reverse("levels:quota_edit") not in html
        assert reverse("levels:review_start") not in html


def test_the_cached_numbers_follow_every_change(
    client_for, xingning_user, city_user, regions, make_person, reviews
):
    client = client_for(xingning_user)

    def numbers():
        response = client.get(reverse("home"))
        quota = card(response, "levels/home_quota.html")["context"]["rows"][0]["cells"]
        total = card(response, "levels/home_review.html")["context"]["total"]
        county = next(cell for _, cell in quota if cell.level == "county")
        return county.count, county.quota, total.reviewed, total.due

    assert numbers() == (2, 1, 1, 3)
    make_person("兴三", region=regions["xingning"])
    assert numbers() == (3, 1, 1, 4)
    tier_set(actor=city_user, region=regions["xingning"], quota=5)
    assert numbers() == (3, 5, 1, 4)
    person_review_mark(actor=xingning_user, cycle=reviews, person=Person.objects.get(name="兴二"))
    assert numbers() == (3, 5, 2, 4)


# --- cost and roles ---------------------------------------------------------------


def test_the_cards_cost_a_fixed_number_of_queries(
    django_assert_num_queries, city_user, xingning_user, make_person, regions, reviews
):
    for user in (city_user, xingning_user):
        # The three data versions in one query (the regions are kept rows,
        # read again here after placements_changed), then on a cold cache: the
        # quota page's grouped count (its quotas, groups and sub-categories are
        # kept rows) and the review page's reviewed count, each with the
        # versions it names read together, and each kept count's versions
        # read in its snapshot (core/kept_counts.py). Every user: + their
        # placement (tongxin.regions.scope); their subtree's ids come from
        # the kept regions.
        extra = 1
        # The first of all (cold process): + loading the kept rows (those
        # three and the review cycles).
        extra += 4 if user is city_user else 0
        placements_changed()  # the scope read afresh too (regions/scope.py)
        fresh = User.objects.get(pk=user.pk)
        with django_assert_num_queries(1 + 9 + extra):
            home_cards(fresh)
        fresh = User.objects.get(pk=user.pk)
        # Warm: the scope is kept too (regions/scope.py), so nothing extra.
        with django_assert_num_queries(1):
            home_cards(fresh)
    for n in range(5):
        make_person(f"新{n}", region=regions["qingxiu"])
    # After a change the kept counts are brought up to date, not counted
    # again: the versions read together, per tracked model a check for late commits, the
    # changed ids and their rows as they were; per count the two narrowed
    # queries (before and now). Fixed, whatever the number of persons.
    # + 1: the placement (tongxin.regions.scope).
    with django_assert_num_queries(20):
        home_cards(city_user)


def test_every_role_gets_a_home_page(client_for, admin_user, city_user, xingning_user,
                                     leader_user, reviews):  # fmt: skip
    evaluator = User.objects.create_user("ev", password="x", role=User.Role.EVALUATOR)
    for user in (admin_user, city_user, xingning_user, leader_user, evaluator):
        response = client_for(user).get(reverse("home"))
        assert response.status_code == 200
        templates = {c["template"] for c in response.context["cards"]}
        expected = user.role != User.Role.EVALUATOR
        assert ("levels/home_quota.html" in templates) is expected
        assert ("levels/home_review.html" in templates) is expected
    assert Tier.objects.filter(region__kind="district").count() == 2
