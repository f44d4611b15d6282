"""A real Excel 97-2003 (.xls, BIFF8) roster goes through the normal web flow.

fixtures/roster.xls was saved by LibreOffice, not written by the test: see
fixtures/make_roster_xls.py for what is in it and how it was made.
"""

import datetime
from pathlib import Path

import pytest
from django.urls import reverse

from tongxin.imports.models import ImportBatch
from tongxin.imports.tests.test_views import mapping_post, upload
from tongxin.people.models import Person

pytestmark = pytest.mark.django_db

ROSTER = Path(__file__).parent / "fixtures" / "roster.xls"


def test_the_fixture_is_a_real_biff_file():
    assert ROSTER.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2 container
    assert ROSTER.stat().st_size < 20_000


def test_it_imports_a_real_xls_roster(client_for, xingning_user):
    client = client_for(xingning_user)
    response = upload(client, ROSTER)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert batch.file_kind == "xls" and batch.file_name == "roster.xls"

    page = client.get(reverse("imports:mapping", args=[batch.pk])).content.decode()
    assert "表头在第3行" in page  # below the title row and a blank row
    assert batch.mapping == {
        "1": "name", "2": "sex", "3": "ethnicity", "4": "id_number", "5": "birth_date",
        "6": "political_status", "7": "education", "8": "mobile", "9": "group",
        "10": "region", "11": "employer",
    }  # fmt: skip

    client.post(reverse("imports:mapping", args=[batch.pk]), mapping_post(batch))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert batch.counts["rows"] == 4
    assert (batch.counts["created"], batch.counts["invalid"]) == (3, 1)
    text = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "第7行" in text and "公民身份号码校验位不正确" in text
    assert Person.objects.count() == 0

    response = client.post(reverse("imports:commit", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    persons = {p.name: p for p in Person.objects.select_related("region", "ethnicity")}
    assert set(persons) == {"陆小凤", "花满楼", "李寻欢"}
    lu = persons["陆小凤"]
    assert lu.id_number == "45010219880229058X"  # the lowercase x, upper-cased
    assert lu.birth_date == datetime.date(1988, 2, 29)  # from the date cell
    assert lu.sex == Person.Sex.FEMALE and lu.mobile == "13800138000"  # a number cell
    hua = persons["花满楼"]
    assert hua.birth_date == datetime.date(1979, 3, 15) and hua.ethnicity.name == "壮族"
    assert hua.mobile == "13800138001" and hua.region.name == "兴宁区"  # region by its code
    assert persons["李寻欢"].birth_date == datetime.date(1990, 10, 1)  # from the ID number
