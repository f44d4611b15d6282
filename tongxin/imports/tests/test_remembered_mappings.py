"""A column mapping committed once is remembered for the same header layout."""

import lxml.html
import pytest
from django.urls import reverse

from tongxin.imports.mappings import REMEMBERED_NOTICE, header_hash
from tongxin.imports.models import ImportBatch, RememberedMapping
from tongxin.imports.tests.rosters import HEADER, roster_row, write_xlsx
from tongxin.imports.tests.test_views import mapping_post, upload
from tongxin.people.models import Person

pytestmark = pytest.mark.django_db

# 证件 and 备用 are not recognised on their own: the user maps them by hand.
LAYOUT = ["姓名", "证件", "学历", "单位", "所在县区", "民族", "政治面貌", "所属群体", "备用"]


def roster(tmp_path, name: str, n: int, *, header=LAYOUT):
    values = dict(zip(HEADER, roster_row(n, f"测试{n}"), strict=True))
    cells = [values["姓名"], values["身份证号"], "本科", "某公司", "兴宁区", "汉族", "群众",
             values["所属群体"], "第二个联系方式"]  # fmt: skip
    return write_xlsx(tmp_path / name, [cells], header=header)


def selected(page, column: int) -> str:
    """The field chosen in the mapping page's select for `column`."""
    html = lxml.html.fromstring(page.content.decode())
    chosen = html.xpath(f'//select[@name="col_{column}"]/option[@selected]/@value')
    return chosen[0] if chosen else ""


def upload_and_commit(client, path, **mapping) -> ImportBatch:
    upload(client, path)
    batch = ImportBatch.objects.latest("pk")
    response = client.post(
        reverse("imports:mapping", args=[batch.pk]), mapping_post(batch, **mapping)
    )
    assert response.status_code == 302
    client.post(reverse("imports:commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    return batch


def test_it_fills_in_the_mapping_committed_for_the_same_header(tmp_path, client_for, xingning_user):
    client = client_for(xingning_user)
    first = roster(tmp_path, "一月.xlsx", 1)
    upload(client, first)
    batch = ImportBatch.objects.get()
    page = client.get(reverse("imports:mapping", args=[batch.pk]))
    assert REMEMBERED_NOTICE not in page.content.decode()  # nothing remembered yet
    assert selected(page, 1) == ""
    client.post(
        reverse("imports:mapping", args=[batch.pk]),
        mapping_post(batch, col_1="id_number", col_8="remarks"),
    )
    assert not RememberedMapping.objects.exists()  # a preview alone remembers nothing
    client.post(reverse("imports:commit", args=[batch.pk]))
    remembered = RememberedMapping.objects.get()
    assert remembered.region.name == "兴宁区"
    assert remembered.mapping["1"] == "id_number" and remembered.mapping["8"] == "remarks"
    assert remembered.updated_by == xingning_user

    # Next month's file: same layout, written a little differently.
    header = [" 姓 名 ", "证件（18位）", "学历", "单位", "所在县区", "民族", "政治面貌",
              "所属群体", "备用"]  # fmt: skip
    assert header_hash(header) == header_hash(LAYOUT)
    upload(client, roster(tmp_path, "二月.xlsx", 2, header=header))
    second = ImportBatch.objects.latest("pk")
    assert second.mapping == remembered.mapping
    page = client.get(reverse("imports:mapping", args=[second.pk]))
    assert page.status_code == 200
    assert "已按上次相同表头的对应关系填好" in page.content.decode()
    assert selected(page, 1) == "id_number"
    assert selected(page, 8) == "remarks"

    response = client.post(reverse("imports:mapping", args=[second.pk]), mapping_post(second))
    assert response.status_code == 302
    client.post(reverse("imports:commit", args=[second.pk]))
    assert Person.objects.get(name="测试2").remarks == "第二个联系方式"


def test_a_changed_mapping_replaces_the_remembered_one(tmp_path, client_for, xingning_user):
    client = client_for(xingning_user)
    upload_and_commit(client, roster(tmp_path, "一月.xlsx", 1), col_1="id_number", col_8="remarks")
    upload_and_commit(client, roster(tmp_path, "二月.xlsx", 2), col_8="")
    remembered = RememberedMapping.objects.get()
    assert "8" not in remembered.mapping

    upload(client, roster(tmp_path, "三月.xlsx", 3))
    third = ImportBatch.objects.latest("pk")
    assert third.mapping == remembered.mapping


def test_another_layout_starts_from_the_guess(tmp_path, client_for, xingning_user):
    client = client_for(xingning_user)
    upload_and_commit(client, roster(tmp_path, "一月.xlsx", 1), col_1="id_number")
    other = [*LAYOUT[:-1], "其他列"]
    upload(client, roster(tmp_path, "另一种.xlsx", 2, header=other))
    batch = ImportBatch.objects.latest("pk")
    assert "1" not in batch.mapping
    page = client.get(reverse("imports:mapping", args=[batch.pk]))
    assert REMEMBERED_NOTICE not in page.content.decode()


def test_another_office_does_not_get_it(tmp_path, client_for, xingning_user, qingxiu_user):
    upload_and_commit(
        client_for(xingning_user), roster(tmp_path, "兴宁.xlsx", 1), col_1="id_number"
    )
    client = client_for(qingxiu_user)
    upload(client, roster(tmp_path, "青秀.xlsx", 2))
    batch = ImportBatch.objects.latest("pk")
    assert batch.created_by == qingxiu_user
    assert "1" not in batch.mapping
    page = client.get(reverse("imports:mapping", args=[batch.pk]))
    assert REMEMBERED_NOTICE not in page.content.decode()


def test_the_command_line_uses_it_too(tmp_path, client_for, xingning_user):
    from tongxin.imports.committing import import_file

    upload_and_commit(
        client_for(xingning_user), roster(tmp_path, "一月.xlsx", 1), col_1="id_number"
    )
    result = import_file(actor=xingning_user, path=roster(tmp_path, "二月.xlsx", 2))
    assert result.analysis.mapping[1] == "id_number"
    assert result.analysis.counts["created"] == 1


def test_the_pages_say_when_it_was_applied_and_let_the_user_start_from_the_guess(
    tmp_path, client_for, xingning_user
):
    client = client_for(xingning_user)
    upload_and_commit(client, roster(tmp_path, "一月.xlsx", 1), col_1="id_number", col_8="remarks")
    upload(client, roster(tmp_path, "二月.xlsx", 2))
    batch = ImportBatch.objects.latest("pk")
    mapping_url = reverse("imports:mapping", args=[batch.pk])
    page = client.get(mapping_url)
    assert 'data-testid="guess-mapping"' in page.content.decode()
    guessed = client.get(mapping_url, {"guess": "1"})
    text = guessed.content.decode()
    assert "各列已按列名自动识别（未用本单位记住的对应关系）" in text
    assert REMEMBERED_NOTICE not in text
    assert selected(guessed, 1) == "" and selected(guessed, 8) == ""  # the names alone
    assert selected(guessed, 0) == "name"

    # Previewed with the remembered mapping: the preview says so.
    client.post(mapping_url, mapping_post(batch))
    detail = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "列对应关系：按本单位上次导入相同表头时确认的对应关系" in detail
    # Changed by the user: no longer said.
    client.post(mapping_url, mapping_post(batch, col_8=""))
    detail = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "列对应关系：按本单位上次导入相同表头时确认的对应关系" not in detail
