import io
import itertools
import zipfile

import pytest
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.people.models import Person, PersonGroup, SubCategory
from tongxin.reports.summary import LEVELS, TITLE, build_summary
from tongxin.reports.tests.helpers import xlsx_values

pytestmark = pytest.mark.django_db

LEVEL_VALUES = [v for v, _ in LEVELS]


@pytest.fixture
def population(make_person, regions):
    """Persons spread over groups, sub-categories, regions and levels, plus archived ones."""
    groups = list(PersonGroup.objects.order_by("sort_order"))
    freelance = next(g for g in groups if g.subcategories.count() >= 2)
    subs = list(freelance.subcategories.order_by("sort_order")[:2])
    combos = [
        (groups[0], None),
        (freelance, subs[0]),
        (freelance, subs[1]),
        (freelance, None),
        (groups[-1], None),
    ]
    places = [regions["xingning"], regions["qingxiu"], regions["city"]]
    count = itertools.count()
    for (group, sub), region, level in itertools.product(combos, places, LEVEL_VALUES):
        n = next(count) % 3  # 0, 1 or 2 persons in each cell
        for _ in range(n):
            make_person(
                f"人{next(count)}", region=region, group=group, subcategory=sub, level=level
            )
    # Archived persons are not counted.
    gone = make_person("出库者", region=regions["xingning"], group=groups[0], level="city")
    gone.status = Person.Status.ARCHIVED
    gone.save(update_fields=["status"])
    return {"freelance": freelance, "subs": subs, "groups": groups}


def db_count(**filters) -> int:
    return Person.objects.filter(status=Person.Status.ACTIVE, **filters).count()


def check_against_database(summary, groups):
    """Every cell of every row equals a COUNT over the database."""
    regions = summary.regions
    blocks = [{"region": r} for r in regions]
    if summary.show_total_block:
        blocks.append({"region__in": regions})
    rows = iter(summary.rows)
    checked = 0
    for group in groups:
        subs = list(SubCategory.objects.filter(group=group).order_by("sort_order", "id"))
        group_rows = []
        for row in rows:
            group_rows.append(row)
            if row.kind == "subtotal":
                break
        for row in group_rows:
            assert row.group == group.name
            if row.kind == "subtotal":
                base = {"group": group}
            elif row.label in {"（未细分）", "—"}:
                base = {"group": group, "subcategory__isnull": True}
            else:
                sub = next(s for s in subs if s.name == row.label)
                base = {"group": group, "subcategory": sub}
            cells = iter(row.cells)
            for block in blocks:
                for level in LEVEL_VALUES:
                    assert next(cells) == db_count(**base, **block, level=level), (
                        row,
                        block,
                        level,
                    )
                    checked += 1
                assert next(cells) == db_count(**base, **block)
    total = next(rows)
    assert total.kind == "total"
    assert total.cells[-1] == db_count(region__in=regions)
    return checked


def test_the_citywide_table_equals_counts_in_the_database(city_user, population, regions):
    import datetime

    summary = build_summary(city_user, None, on_date=datetime.date(2026, 11, 22))
    assert {r.name for r in summary.regions} == {"南宁市", "兴宁区", "青秀区"}
    assert summary.unit == "南宁市"
    groups = list(PersonGroup.objects.order_by("sort_order", "id"))
    assert check_against_database(summary, groups) > 100
    assert summary.grand_total == db_count()


def test_a_county_user_sees_only_their_region(client_for, xingning_user, population, regions):
    import datetime

    summary = build_summary(xingning_user, regions["xingning"], on_date=datetime.date.today())
    assert [r.name for r in summary.regions] == ["兴宁区"]
    check_against_database(summary, list(PersonGroup.objects.order_by("sort_order", "id")))
    assert summary.grand_total == db_count(region=regions["xingning"])

    client = client_for(xingning_user)
    response = client.get(reverse("reports:summary"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "填报单位：兴宁区" in text and "青秀区" not in text
    assert (
        client.get(reverse("reports:summary"), {"region": regions["qingxiu"].pk}).status_code == 404
    )
    assert (
        client.get(reverse("reports:summary_xlsx"), {"region": regions["qingxiu"].pk}).status_code
        == 404
    )


def test_the_page_shows_the_table_with_totals(client_for, leader_user, population, regions):
    response = client_for(leader_user).get(reverse("reports:summary"))
    assert response.status_code == 200
    text = response.content.decode()
    assert TITLE in text
    assert "合计" in text and "小计" in text and "市级重点联系" in text
    assert f">{db_count()}</td>" in text
    one = client_for(leader_user).get(reverse("reports:summary"), {"region": regions["qingxiu"].pk})
    assert "填报单位：青秀区" in one.content.decode()


def test_the_xlsx_is_laid_out_for_a4_landscape_and_audited(
    client_for, city_user, population, regions
):
    response = client_for(city_user).get(reverse("reports:summary_xlsx"))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    rows = xlsx_values(data)
    assert rows[0][0] == TITLE
    assert rows[1][0] == "填报单位：南宁市"
    assert any(v.startswith("日期：") and v.endswith("日") for v in rows[1])
    assert rows[2][:2] == ["类别", "细分类别"]
    assert rows[3][2:6] == ["市级重点联系", "县区联系", "储备", "小计"]
    total_row = rows[-1]
    assert total_row[0] == "合计"
    assert int(total_row[-1]) == db_count()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        workbook = archive.read("xl/workbook.xml").decode()
    assert 'paperSize="9"' in sheet and 'orientation="landscape"' in sheet
    assert 'fitToHeight="0"' in sheet and "<mergeCell " in sheet
    assert "_xlnm.Print_Titles" in workbook
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert entry.object_type == "reports.summary"
    assert entry.user == city_user and entry.changes["rows"] == db_count()


def test_it_counts_with_one_grouped_query(
    city_user, population, django_assert_max_num_queries, django_assert_num_queries
):
    import datetime

    # Cold: regions, the grouped count, the persons' data version and history
    # window (kept counts), groups and sub-categories.
    with django_assert_max_num_queries(7):
        build_summary(city_user, None, on_date=datetime.date.today())
    # Warm: only the persons' data version; the regions, groups and
    # sub-categories are kept rows, the counts kept under that version.
    with django_assert_num_queries(1):
        build_summary(city_user, None, on_date=datetime.date.today())


def test_the_print_view_has_one_sheet_per_region_then_the_total(
    client_for, city_user, xingning_user, population, regions
):
    response = client_for(city_user).get(reverse("reports:summary_print"))
    assert response.status_code == 200
    sheets = response.context["sheets"]
    assert [s.block for s in sheets] == ["南宁市", "兴宁区", "青秀区", "合计"]
    # Each sheet holds its block's cells only: the levels and their 小计.
    summary = response.context["summary"]
    width = len(summary.level_labels)
    for i, sheet in enumerate(sheets):
        assert [cells for _, cells in sheet.rows] == [
            row.cells[i * width : (i + 1) * width] for row in summary.rows
        ]
    qingxiu_total = sheets[2].rows[-1][1][-1]
    assert qingxiu_total == db_count(region=regions["qingxiu"])
    assert sheets[-1].rows[-1][1][-1] == db_count()
    text = response.content.decode()
    assert text.count('data-testid="sheet"') == 4
    assert "区域：青秀区" in text and "第 4 页，共 4 页" in text

    client = client_for(xingning_user)
    own = client.get(reverse("reports:summary_print"))
    assert [s.block for s in own.context["sheets"]] == ["兴宁区"]
    assert "青秀区" not in own.content.decode()
    other = client.get(reverse("reports:summary_print"), {"region": regions["qingxiu"].pk})
    assert other.status_code == 404


def test_the_counts_are_kept_until_persons_change(
    city_user, population, regions, make_person, django_assert_max_num_queries
):
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    today = datetime.date.today()
    before = build_summary(city_user, None, on_date=today).grand_total
    with CaptureQueriesContext(connection) as queries:
        assert build_summary(city_user, None, on_date=today).grand_total == before
    assert not [q for q in queries.captured_queries if "GROUP BY" in q["sql"]]
    make_person("新来者", region=regions["qingxiu"])
    assert build_summary(city_user, None, on_date=today).grand_total == before + 1 == db_count()


def test_the_worker_counts_the_table_each_user_opens_on(xingning_user, population, regions):
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tongxin.reports.hooks import warm_figures

    warm_figures(xingning_user)
    with CaptureQueriesContext(connection) as queries:
        build_summary(xingning_user, regions["xingning"], on_date=datetime.date.today())
    assert not [q for q in queries.captured_queries if "GROUP BY" in q["sql"]]
