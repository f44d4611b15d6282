"""The one paging module (core/paging.py) every list page but the person list uses."""

import pytest
from django.test import RequestFactory

from tongxin.audit.models import AuditEntry
from tongxin.core.paging import id_page, number_page


@pytest.fixture
def entries(db):
    AuditEntry.objects.bulk_create(
        [AuditEntry(action="view", username=f"u{i}", object_id=str(i)) for i in range(7)]
    )
    return list(AuditEntry.objects.order_by("-id").values_list("id", flat=True))


def test_it_numbers_pages_and_forgives_a_bad_number(settings):
    settings.PAGE_SIZE = 3
    items = list(range(8))
    get = RequestFactory().get
    assert list(number_page(get("/", {"page": "2"}), items)) == [3, 4, 5]
    assert number_page(get("/"), items).number == 1
    assert number_page(get("/", {"page": "abc"}), items).number == 1
    last = number_page(get("/", {"page": "99"}), items)
    assert (last.number, list(last), last.paginator.count) == (3, [6, 7], 8)
    assert list(number_page(get("/", {"page": "2"}), items, 5)) == [5, 6, 7]


def test_it_pages_newest_first_below_an_id_in_one_query(entries, django_assert_num_queries):
    with django_assert_num_queries(1):
        first = id_page(AuditEntry.objects.all(), size=3)
    assert [e.pk for e in first.rows] == entries[:3]
    assert first.next_after == entries[2] and first.is_first
    last = id_page(AuditEntry.objects.all(), after=str(entries[5]), size=3)
    assert [e.pk for e in last.rows] == entries[6:]
    assert last.next_after is None and not last.is_first
    # A cursor that is not a number starts again from the newest.
    assert id_page(AuditEntry.objects.all(), after="x", size=3).rows == first.rows


def test_with_load_it_finds_the_ids_first_then_loads_those_rows(entries, django_assert_num_queries):
    with django_assert_num_queries(2):
        page = id_page(
            AuditEntry.objects.filter(action="view"),
            after=str(entries[1]),
            size=2,
            load=lambda rows: rows.select_related("user"),
        )
    assert [e.pk for e in page.rows] == entries[2:4]
    assert page.next_after == entries[3]
