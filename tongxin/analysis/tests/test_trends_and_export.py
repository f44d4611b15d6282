"""Trends come from history; the tables export as xlsx, audited."""

import datetime
import io
import zipfile

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from tongxin.analysis.models import YearEndCount, YearEndSnapshot
from tongxin.analysis.selectors import trends
from tongxin.analysis.services import year_end_snapshots_keep
from tongxin.audit.models import AuditEntry
from tongxin.people.listing import PersonFilter
from tongxin.people.models import Education, Person, PersonGroup
from tongxin.people.services import person_archive, person_update

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 22)


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def _date_history(person, *days):
    """Give the person's history rows (oldest first) these dates."""
    rows = list(Person.history.filter(id=person.pk).order_by("history_id"))
    assert len(rows) == len(days)
    for row, day in zip(rows, days, strict=True):
        Person.history.filter(history_id=row.history_id).update(history_date=_at(day))


def _column(trend, label: str) -> int:
    return [c for c, _ in trend.columns].index(label)


def test_a_person_archived_this_year_counts_at_past_year_ends_only(
    make_person, city_user, regions, django_assert_num_queries
):
    person = make_person("历史", region=regions["xingning"], level=Person.Level.CITY)
    person_archive(
        actor=city_user, person=person, reason="withdrew", on_date=datetime.date(2026, 3, 1)
    )
    _date_history(person, datetime.date(2024, 5, 1), datetime.date(2026, 3, 1))
    later = make_person("新人", region=regions["xingning"])
    _date_history(later, datetime.date(2026, 2, 1))

    trend = trends(city_user, PersonFilter(), today=TODAY)
    labels = [c for c, _ in trend.columns]
    assert labels == ["2021年末", "2022年末", "2023年末", "2024年末", "2025年末", "2026年11月22日"]
    assert trend.totals == [0, 0, 0, 1, 1, 1]
    city = dict(trend.by_level)["市级重点联系"]
    assert city == [0, 0, 0, 1, 1, 0]
    county = dict(trend.by_level)["县区联系"]
    assert county == [0, 0, 0, 0, 0, 1]
    # A page writes nothing; the worker keeps the finished years, computed
    # once from history, and the trend reads the same figures from them.
    assert YearEndSnapshot.objects.count() == 0
    assert year_end_snapshots_keep(today=TODAY) == 5
    assert year_end_snapshots_keep(today=TODAY) == 0
    assert YearEndCount.objects.filter(snapshot__year_end=datetime.date(2025, 12, 31)).count() == 1
    # The five kept years in one query (the three without a person too),
    # then today's count.
    with django_assert_num_queries(2):
        kept = trends(city_user, PersonFilter(), today=TODAY)
    assert kept.totals == trend.totals
    assert kept.by_level == trend.by_level


def test_a_county_user_sees_trends_by_the_region_recorded_then(
    make_person, city_user, xingning_user, qingxiu_user, regions
):
    from tongxin.people.services import person_update

    person = make_person("搬家", region=regions["xingning"])
    person = person_update(
        actor=city_user,
        person=person,
        data={"region": regions["qingxiu"]},
        expected_version=person.version,
    )
    _date_history(person, datetime.date(2024, 6, 1), datetime.date(2026, 6, 1))

    for user, expected in ((xingning_user, [1, 1, 0]), (qingxiu_user, [0, 0, 1])):
        trend = trends(user, PersonFilter(), today=TODAY)
        assert trend.totals[-3:] == expected, user


def test_the_page_shows_the_trend_table(client_for, leader_user, make_person, regions):
    person = make_person("历史", region=regions["xingning"])
    _date_history(person, datetime.date(2023, 5, 1))
    response = client_for(leader_user).get(reverse("analysis:index"))
    page = response.content.decode()
    assert "发展变化" in page
    assert "2023年末" in page
    trend = response.context["trend"]
    assert trend.totals[_column(trend, "2023年末")] == 1


def _sheets(content: bytes) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def test_it_exports_every_table_as_xlsx_and_audits_it(client_for, city_user, make_person, regions):
    odd = Education.objects.create(name='=HYPERLINK("x")', sort_order=99)
    make_person("甲", region=regions["xingning"], education=odd)
    make_person("乙", region=regions["qingxiu"], sex="F")
    response = client_for(city_user).get(reverse("analysis:export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    content = b"".join(response.streaming_content)
    sheets = _sheets(content)
    assert {
        "年龄结构",
        "性别结构",
        "民族结构",
        "学历结构",
        "政治面貌",
        "人员类别",
        "细分类别",
    } <= set(sheets)
    assert "各年末人数（按分级）" in sheets
    sex = sheets["性别结构"]
    assert ["男", 1.0, 0.5] in [row[:3] for row in sex]
    assert ["女", 1.0, 0.5] in [row[:3] for row in sex]
    assert ["合计", 2.0] in [row[:2] for row in sex]
    education = [row[0] for row in sheets["学历结构"]]
    assert '=HYPERLINK("x")' in education
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert entry.user == city_user
    assert entry.object_type == "analysis.structure"
    assert "性别结构" in entry.changes["sheets"]


def test_it_exports_one_table(client_for, xingning_user, make_person, regions):
    make_person("甲", region=regions["xingning"])
    make_person("乙", region=regions["qingxiu"], sex="F")
    response = client_for(xingning_user).get(reverse("analysis:export"), {"only": "sex"})
    sheets = _sheets(b"".join(response.streaming_content))
    assert list(sheets) == ["性别结构"]
    assert ["男", 1.0] in [row[:2] for row in sheets["性别结构"]]
    assert ["女", 0.0] in [row[:2] for row in sheets["性别结构"]]
    assert (
        client_for(xingning_user).get(reverse("analysis:export"), {"only": "nope"}).status_code
        == 404
    )


def test_the_trend_by_group_comes_from_history(client_for, city_user, make_person, regions):
    """By group as by level: each year end counts the group and status each
    person had then, on the page, in the trend and in its xlsx sheet."""
    first, second, third = PersonGroup.objects.all()[:3]
    left_last_year = make_person("去年出库", group=first)
    person_archive(
        actor=city_user,
        person=left_last_year,
        reason="withdrew",
        on_date=datetime.date(2025, 6, 1),
    )
    _date_history(left_last_year, datetime.date(2024, 5, 1), datetime.date(2025, 6, 1))
    left_this_year = make_person("今年出库", region=regions["qingxiu"], group=second)
    person_archive(
        actor=city_user,
        person=left_this_year,
        reason="withdrew",
        on_date=datetime.date(2026, 3, 1),
    )
    _date_history(left_this_year, datetime.date(2023, 3, 1), datetime.date(2026, 3, 1))
    moved = make_person("换类别", group=first)
    moved = person_update(
        actor=city_user, person=moved, data={"group": second}, expected_version=moved.version
    )
    _date_history(moved, datetime.date(2022, 4, 1), datetime.date(2026, 6, 1))
    newcomer = make_person("新人", group=third)
    _date_history(newcomer, datetime.date(2026, 2, 1))

    def label(group) -> str:
        return group.short_name or group.name

    # 2021年末 … 2025年末, then today.
    expected = {
        label(first): [0, 1, 1, 2, 1, 0],  # moved until this year; left_last_year in 2024 only
        label(second): [0, 0, 1, 1, 1, 1],  # left_this_year until 2025; moved now
        label(third): [0, 0, 0, 0, 0, 1],
    }
    trend = trends(city_user, PersonFilter(), today=TODAY)
    assert dict(trend.by_group) == expected
    assert trend.totals == [0, 1, 2, 3, 2, 2]
    # Filtering by a group filters by the group each person had at that year end.
    only_first = trends(city_user, PersonFilter(group=first.pk), today=TODAY)
    assert only_first.totals == expected[label(first)]
    assert dict(only_first.by_group) == {label(first): expected[label(first)]}

    noon = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(12)))
    with time_machine.travel(noon, tick=False):
        client = client_for(city_user)
        page = client.get(reverse("analysis:index"))
        assert dict(page.context["trend"].by_group) == expected
        response = client.get(reverse("analysis:export"), {"only": "trend_group"})
        sheets = _sheets(b"".join(response.streaming_content))
    assert list(sheets) == ["各年末人数（按类别）"]
    rows = sheets["各年末人数（按类别）"]
    header = next(row for row in rows if row[:1] == ["项目"])
    assert header[1:] == [
        "2021年末",
        "2022年末",
        "2023年末",
        "2024年末",
        "2025年末",
        "2026年11月22日",
    ]
    table = {row[0]: [int(v) for v in row[1:]] for row in rows[rows.index(header) + 1 :]}
    assert table == {**expected, "合计": [0, 1, 2, 3, 2, 2]}
