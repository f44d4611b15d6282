"""Complete and current: the office's rules, the list filters, the roll-up,
the export and the home card."""

import datetime
import io
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.dedupe.models import CompletenessSnapshot
from tongxin.dedupe.snapshots import completeness_snapshot_keep
from tongxin.levels.models import PersonReview, ReviewCycle
from tongxin.people.completeness import fields_to_complete, fields_wanted
from tongxin.people.models import Person

pytestmark = pytest.mark.django_db


def _age(person, days: int) -> None:
    Person.objects.filter(pk=person.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=days)
    )


def test_required_fields_make_a_record_to_complete(settings, make_person, client_for, city_user):
    settings.COMPLETENESS_REQUIRED = ["email"]
    lacking = make_person("缺邮箱", mobile="13700000201")
    make_person("有邮箱", mobile="13700000202", email="a@example.cn")
    assert fields_to_complete(lacking) == ["电子邮箱"]
    page = client_for(city_user).get(reverse("people:list"), {"incomplete": "1"}).content.decode()
    assert "缺邮箱" in page and "有邮箱" not in page


def test_a_photo_older_than_the_set_age_counts_as_missing(settings, make_person):
    person = make_person("旧照片", mobile="13700000203")
    assert "一寸照片" in fields_wanted(person)
    person.photo = f"photos/{timezone.localdate().year - 3}/a.jpg"
    assert "一寸照片" in fields_wanted(person)
    person.photo = f"photos/{timezone.localdate().year}/a.jpg"
    assert "一寸照片" not in fields_wanted(person)
    settings.PHOTO_MAX_AGE_YEARS = 5
    person.photo = f"photos/{timezone.localdate().year - 3}/a.jpg"
    assert "一寸照片" not in fields_wanted(person)


def test_the_list_filters_records_not_confirmed_for_a_year(make_person, client_for, city_user):
    old = make_person("久未更新", mobile="13700000204")
    reviewed = make_person("年度复核过", mobile="13700000205")
    make_person("刚修改", mobile="13700000206")
    _age(old, 400)
    _age(reviewed, 400)
    cycle = ReviewCycle.objects.create(year=timezone.localdate().year)
    PersonReview.objects.create(cycle=cycle, person=reviewed, reviewed_by=city_user)
    page = client_for(city_user).get(reverse("people:list"), {"incomplete": "stale"})
    text = page.content.decode()
    assert "久未更新" in text
    assert "年度复核过" not in text and "刚修改" not in text


def test_the_roll_up_shows_child_regions_worst_first(
    settings, make_person, client_for, city_user, xingning_user, regions
):
    settings.COMPLETENESS_REQUIRED = ["email"]
    make_person("青秀一", region=regions["qingxiu"], mobile="13700000207", email="q@example.cn")
    make_person("兴宁一", mobile="13700000208")
    _age(make_person("兴宁二", mobile="13700000209", email="x@example.cn"), 400)
    page = client_for(city_user).get(reverse("dedupe:completeness")).content.decode()
    by_region = page[page.index('data-testid="by-region"') :]
    assert by_region.index("兴宁区") < by_region.index("青秀区")
    worst = page[page.index('data-testid="worst"') :]
    assert worst.index("兴宁一") < worst.index("兴宁二")
    assert "青秀一" not in worst
    own = client_for(xingning_user).get(reverse("dedupe:completeness")).content.decode()
    assert "青秀" not in own


def test_the_to_complete_list_exports_who_and_what(
    settings, make_person, client_for, xingning_user, leader_user
):
    settings.COMPLETENESS_REQUIRED = ["email"]
    make_person("待联系", mobile="13700000210")
    response = client_for(xingning_user).get(reverse("dedupe:completeness_export"))
    body = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "待联系" in sheet and "电子邮箱" in sheet and "13700000210" in sheet
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert entry.changes == {"rows": 1, "revealed": ["mobile"]}
    body = b"".join(
        client_for(leader_user).get(reverse("dedupe:completeness_export")).streaming_content
    )
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert "13700000210" not in archive.read("xl/worksheets/sheet1.xml").decode()


def test_the_home_card_shows_the_node_and_its_trend(
    settings, make_person, client_for, xingning_user
):
    settings.COMPLETENESS_REQUIRED = ["email"]
    make_person("甲", mobile="13700000211")
    make_person("乙", mobile="13700000212", email="b@example.cn")
    client = client_for(xingning_user)
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="home-complete">50%' in page
    assert "较" not in page  # no figures kept a week ago yet
    # The worker keeps the figures (warm_figures), once a day per scope.
    assert completeness_snapshot_keep(user=xingning_user) is True
    assert completeness_snapshot_keep(user=xingning_user) is False
    kept = CompletenessSnapshot.objects.get()
    assert (kept.day, kept.percent_complete) == (timezone.localdate(), 50)
    CompletenessSnapshot.objects.filter(pk=kept.pk).update(
        day=timezone.localdate() - datetime.timedelta(days=8), percent_complete=20
    )
    page = client.get(reverse("home")).content.decode()
    assert "+30" in page


def test_a_get_of_the_home_page_writes_nothing(settings, make_person, client_for, xingning_user):
    settings.COMPLETENESS_REQUIRED = ["email"]
    make_person("甲", mobile="13700000213")
    client = client_for(xingning_user)
    client.get(reverse("home"))  # the session and caches settle on a first visit
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("home"))
    assert page.status_code == 200
    assert 'data-testid="completeness-home-card"' in page.content.decode()
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE", "REPLACE")
    ]
    assert writes == []
    assert CompletenessSnapshot.objects.count() == 0


def test_the_warm_figures_task_keeps_the_days_figures(make_person, xingning_user):
    from tongxin.core.versioned_cache import figures_warm

    make_person("甲", mobile="13700000214")
    figures_warm()
    assert CompletenessSnapshot.objects.filter(day=timezone.localdate()).exists()
