"""The person list's regions, groups and sub-categories come from rows kept in
memory (core/kept_tables.py): no query for them on a warm page, and a change
to any of them is seen on the very next page."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tongxin.core.kept_tables import kept_rows, table_changed
from tongxin.people.kept import person_groups, subcategories
from tongxin.people.models import PersonGroup, SubCategory
from tongxin.regions.models import Region
from tongxin.regions.scope import all_regions, subtree_of

pytestmark = pytest.mark.django_db


def _tables(queries) -> set[str]:
    names = set()
    for query in queries:
        sql = query["sql"]
        for table in ("regions_region", "people_persongroup", "people_subcategory", "levels_tier"):
            if f'FROM "{table}"' in sql:
                names.add(table)
    return names


def test_warm_list_page_reads_no_small_table(client_for, city_user, make_person, regions):
    make_person("张三", region=regions["qingxiu"])
    client = client_for(city_user)
    url = reverse("people:list") + f"?region={regions['city'].pk}"
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert _tables(queries.captured_queries) == set()
    # The labels and the choices are still there.
    assert "青秀区" in response.text
    assert PersonGroup.objects.get(sort_order=1).name[:2] in response.text


def test_group_renamed_is_seen_on_the_next_page(client_for, city_user, make_person, regions):
    person = make_person("张三", region=regions["qingxiu"])
    client = client_for(city_user)
    url = reverse("people:list")
    client.get(url)
    group = person.group
    group.short_name = "新名称类别"
    group.save()
    assert "新名称类别" in client.get(url).text


def test_subcategory_added_and_region_renamed_are_seen(client_for, city_user, regions):
    client = client_for(city_user)
    url = reverse("people:list")
    client.get(url)
    SubCategory.objects.create(group=PersonGroup.objects.get(sort_order=1), name="新增细分类别")
    region = regions["qingxiu"]
    region.name = "青秀新区"
    region.save()
    text = client.get(url).text
    assert "新增细分类别" in text
    assert "青秀新区" in text


def test_a_new_region_is_in_the_subtree_at_once(regions):
    assert subtree_of(regions["city"].pk).contains(regions["xingning"])
    street = Region.objects.create(
        code="450102001", name="民生街道", kind=Region.Kind.STREET, parent=regions["xingning"]
    )
    assert subtree_of(regions["city"].pk).contains(street)
    assert street.pk in {row.pk for row in all_regions()}


def test_kept_rows_are_read_again_after_the_cache_is_emptied():
    loads = []

    def load():
        loads.append(1)
        return [len(loads)]

    assert kept_rows("test-table", load) == [1]
    assert kept_rows("test-table", load) == [1]
    cache.clear()  # a restarted cache server: the rows may be stale
    assert kept_rows("test-table", load) == [2]
    table_changed("test-table")
    assert kept_rows("test-table", load) == [3]


def test_groups_and_subcategories_are_the_tables(regions):
    assert [g.pk for g in person_groups()] == list(PersonGroup.objects.values_list("pk", flat=True))
    assert [s.pk for s in subcategories()] == list(SubCategory.objects.values_list("pk", flat=True))


def test_the_tier_choices_are_those_of_the_scope_and_above(client_for, xingning_user, regions):
    from tongxin.levels.tiers import tier_for

    for region in regions.values():
        tier_for(region)
    client = client_for(xingning_user)
    url = reverse("people:list")
    text = client.get(url).text
    assert "南宁市·市级重点联系" in text and "兴宁区·县区联系" in text
    assert "青秀区·县区联系" not in text
    region = regions["xingning"]
    region.name = "兴宁新区"
    region.save()
    assert "兴宁新区·县区联系" in client.get(url).text


def test_person_page_joins_no_small_table_and_shows_a_renamed_entry(
    client_for, city_user, make_person, regions
):
    """The person's own query joined seven small tables: PostgreSQL spent 5 ms
    planning it for 0.2 ms of work (people/kept.py)."""
    from tongxin.people.models import Ethnicity

    person = make_person("张三", region=regions["qingxiu"])
    client = client_for(city_user)
    url = reverse("people:detail", args=[person.pk])
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    own = [q["sql"] for q in queries.captured_queries if 'FROM "people_person"' in q["sql"]]
    assert own and not any("JOIN" in sql for sql in own[:1])
    assert not {"people_ethnicity", "people_persongroup"} & {
        table for q in queries.captured_queries for table in ("people_ethnicity",
        "people_persongroup") if f'"{table}"' in q["sql"]
    }  # fmt: skip
    assert person.ethnicity.name in response.text and "青秀区" in response.text

    ethnicity = Ethnicity.objects.get(pk=person.ethnicity_id)
    ethnicity.name = "改过的民族名"
    ethnicity.save()
    assert "改过的民族名" in client.get(url).text
