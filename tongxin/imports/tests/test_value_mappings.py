"""Unknown values mapped in the preview, once (issue 17): city staff map a value
to a dictionary entry (kept as its synonym, audited) and the file is checked
again without uploading it again; county staff propose, the city decides."""

import datetime

import lxml.html
import pytest
from django.urls import reverse

from tongxin.accounts.models import User
from tongxin.audit.models import AuditEntry
from tongxin.conftest import make_id_number
from tongxin.imports.access import may_map_values
from tongxin.imports.committing import import_file
from tongxin.imports.models import ImportBatch, RegionAlias, ValueMappingProposal
from tongxin.imports.tests.rosters import roster_row, write_xlsx
from tongxin.imports.tests.test_views import mapping_post, upload
from tongxin.people.models import Education, Ethnicity, Person

pytestmark = pytest.mark.django_db


def _row(n: int, **over) -> list:
    born = datetime.date(1980, 1, 1) + datetime.timedelta(days=n)
    return roster_row(n, f"测试{n}", born=born,
                      身份证号=make_id_number("450102", born, "M"), **over)  # fmt: skip


def previewed_batch(client, tmp_path, rows, name="名单.xlsx") -> ImportBatch:
    response = upload(client, write_xlsx(tmp_path / name, rows))
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = ImportBatch.objects.latest("pk")
    assert (
        client.post(reverse("imports:mapping", args=[batch.pk]), mapping_post(batch)).status_code
        == 302
    )
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    return batch


def unknown_table(client, batch) -> list[list[str]]:
    page = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    tree = lxml.html.fromstring(page)
    rows = tree.xpath('//*[@data-testid="unknown-values"]//tbody/tr')
    return [[" ".join(td.text_content().split()) for td in row.xpath("td")[:3]] for row in rows]


ROWS = [
    _row(1, 民族="漢"),
    _row(2, 民族="漢"),
    _row(3, 民族="漢 "),
    _row(4, 学历="博士后"),
    _row(5),
]


def test_city_staff_map_a_value_once_and_the_file_is_checked_again(tmp_path, client_for, city_user):
    client = client_for(city_user)
    batch = previewed_batch(client, tmp_path, ROWS)
    # 民族 is required: its rows are rejected; 学历 is not: imported blank, with a warning.
    assert (batch.counts["invalid"], batch.counts["created"], batch.counts["warnings"]) == (3, 2, 1)
    assert unknown_table(client, batch) == [
        ["D列“民族”", "“漢”", "3（如第4、5、6行）"],
        ["H列“学历”", "“博士后”", "1（如第7行）"],
    ]
    problems = {p["message"] for p in batch.problems}
    assert problems == {
        "民族“漢”无法识别（不在数据字典中）：可在网页导入预览的“无法识别的值”中为它选择对应项，"
        "或改用下拉列表中的名称"
    }
    han = Ethnicity.objects.get(name="汉族")
    response = client.post(
        reverse("imports:map_value", args=[batch.pk]),
        {"field": "ethnicity", "value": "漢", "entry": han.pk},
    )
    assert response.status_code == 302
    han.refresh_from_db()
    assert "漢" in han.synonyms.split("、")
    entry = AuditEntry.objects.get(object_type="people.ethnicity", action=AuditEntry.Action.UPDATE)
    assert entry.user == city_user and "漢" in str(entry.changes["synonyms"])
    batch.refresh_from_db()  # checked again from the stored file, no new upload
    assert ImportBatch.objects.count() == 1
    assert (batch.counts["invalid"], batch.counts["created"]) == (0, 5)
    assert [u["value"] for u in batch.unknown_values] == ["博士后"]
    page = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "已把“漢”记为“汉族”的同义写法" in page

    # Mapped once: the next file with the value is read without asking.
    path = write_xlsx(tmp_path / "下一份.xlsx", [_row(9, 民族="漢")])
    analysis = import_file(actor=city_user, path=path).analysis
    assert analysis.counts["invalid"] == 0 and analysis.results[0].values["ethnicity"] == han


def test_an_optional_value_mapped_fills_the_field(tmp_path, client_for, city_user):
    client = client_for(city_user)
    batch = previewed_batch(client, tmp_path, ROWS[3:])
    doctor = Education.objects.get(name="研究生")
    client.post(
        reverse("imports:map_value", args=[batch.pk]),
        {"field": "education", "value": "博士后", "entry": doctor.pk},
    )
    batch.refresh_from_db()
    assert batch.unknown_values == [] and batch.counts["warnings"] == 0
    client.post(reverse("imports:commit", args=[batch.pk]))
    assert Person.objects.get(name="测试4").education == doctor


def test_county_staff_propose_and_the_city_accepts(
    tmp_path, client_for, xingning_user, city_user, qingxiu_user
):
    client = client_for(xingning_user)
    batch = previewed_batch(client, tmp_path, ROWS)
    han = Ethnicity.objects.get(name="汉族")
    synonyms_before = han.synonyms
    response = client.post(
        reverse("imports:map_value", args=[batch.pk]),
        {"field": "ethnicity", "value": "漢", "entry": han.pk},
    )
    assert response.status_code == 302
    han.refresh_from_db()
    assert han.synonyms == synonyms_before  # a county cannot change the dictionary
    proposal = ValueMappingProposal.objects.get()
    assert (proposal.state, proposal.region, proposal.proposed_by) == (
        ValueMappingProposal.State.PENDING, batch.region, xingning_user,
    )  # fmt: skip
    assert AuditEntry.objects.filter(
        object_type="imports.valuemappingproposal", action=AuditEntry.Action.CREATE
    ).exists()
    page = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "已提议对应为“汉族”，待市级确认" in page
    # The county has no proposal list and cannot decide; neither can another county.
    assert client.get(reverse("imports:proposals")).status_code == 404
    decide = reverse("imports:decide_proposal", args=[proposal.pk])
    assert client.post(decide, {"decision": "accept"}).status_code == 404
    assert client_for(qingxiu_user).post(decide, {"decision": "accept"}).status_code == 404
    proposal.refresh_from_db()
    assert proposal.state == ValueMappingProposal.State.PENDING

    city = client_for(city_user)
    listing = city.get(reverse("imports:list")).content.decode()
    assert "同义写法提议（1 条待确认）" in listing
    page = city.get(reverse("imports:proposals")).content.decode()
    assert "“漢”" in page and "兴宁区" in page
    assert city.post(decide, {"decision": "accept"}).status_code == 302
    proposal.refresh_from_db()
    han.refresh_from_db()
    assert proposal.state == ValueMappingProposal.State.ACCEPTED
    assert proposal.decided_by == city_user
    assert "漢" in han.synonyms.split("、")

    client = client_for(xingning_user)
    assert client.post(reverse("imports:recheck", args=[batch.pk])).status_code == 302
    batch.refresh_from_db()
    assert batch.counts["invalid"] == 0


def test_a_declined_proposal_changes_no_dictionary(tmp_path, client_for, xingning_user, city_user):
    client = client_for(xingning_user)
    batch = previewed_batch(client, tmp_path, ROWS)
    han = Ethnicity.objects.get(name="汉族")
    client.post(
        reverse("imports:map_value", args=[batch.pk]),
        {"field": "ethnicity", "value": "漢", "entry": han.pk},
    )
    proposal = ValueMappingProposal.objects.get()
    city = client_for(city_user)
    city.post(reverse("imports:decide_proposal", args=[proposal.pk]), {"decision": "decline"})
    proposal.refresh_from_db()
    assert proposal.state == ValueMappingProposal.State.DECLINED
    han.refresh_from_db()
    assert "漢" not in han.synonyms


@pytest.mark.parametrize(
    "value, entry, message",
    [
        ("漢、汉", "han", "含有顿号或逗号，不能记为一个同义写法"),
        ("漢", "", "请选择民族中的一项"),
        ("汉", "han", "已能识别为“汉族”"),
    ],
)
def test_a_value_that_cannot_be_a_synonym_is_refused_in_chinese(
    tmp_path, client_for, city_user, value, entry, message
):
    client = client_for(city_user)
    batch = previewed_batch(client, tmp_path, ROWS)
    han = Ethnicity.objects.get(name="汉族")
    synonyms_before = han.synonyms
    response = client.post(
        reverse("imports:map_value", args=[batch.pk]),
        {"field": "ethnicity", "value": value, "entry": han.pk if entry else ""},
        follow=True,
    )
    assert message in response.content.decode()
    han.refresh_from_db()
    assert han.synonyms == synonyms_before
    assert not AuditEntry.objects.filter(object_type="people.ethnicity").exists()


def test_who_may_map_values(regions, city_user, xingning_user, admin_user, leader_user):
    # A city role placed at a district is county staff for this purpose.
    district_city_role = User.objects.create(username="odd", role=User.Role.CITY)
    district_city_role.regions.set([regions["xingning"]])
    assert may_map_values(city_user) and may_map_values(admin_user)
    assert not may_map_values(xingning_user)
    assert not may_map_values(leader_user)
    assert not may_map_values(district_city_role)


def test_another_regions_batch_cannot_be_mapped(tmp_path, client_for, xingning_user, qingxiu_user):
    batch = previewed_batch(client_for(xingning_user), tmp_path, ROWS)
    han = Ethnicity.objects.get(name="汉族")
    response = client_for(qingxiu_user).post(
        reverse("imports:map_value", args=[batch.pk]),
        {"field": "ethnicity", "value": "漢", "entry": han.pk},
    )
    assert response.status_code == 404
    assert not ValueMappingProposal.objects.exists()


def test_the_command_line_lists_the_unknown_values(tmp_path, regions, capsys):
    from django.core.management import call_command

    call_command("import", str(write_xlsx(tmp_path / "名单.xlsx", ROWS)))
    out = capsys.readouterr().out
    assert "无法识别的值（在网页导入的预览中可为每个写法选择一次对应项）" in out
    assert "D列“民族”“漢”：3 行" in out and "H列“学历”“博士后”：1 行" in out


# A region by a name no region has (a local name of the old town centre).
REGION_ROWS = [_row(1, 所在县区="城区"), _row(2, 所在县区="城区"), _row(3)]


def unknown_choices(client, batch) -> list[str]:
    page = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    tree = lxml.html.fromstring(page)
    return [o.text_content() for o in tree.xpath('//select[@name="entry"]/option[@value!=""]')]


def test_city_staff_map_an_unknown_region_name_once(
    tmp_path, client_for, city_user, qingxiu_user, regions
):
    client = client_for(city_user)
    batch = previewed_batch(client, tmp_path, REGION_ROWS)
    assert (batch.counts["invalid"], batch.counts["created"]) == (2, 1)
    assert unknown_table(client, batch) == [["K列“所在县区”", "“城区”", "2（如第4、5行）"]]
    assert "所属区域“城区”无法识别" in batch.problems[0]["message"]
    xingning = regions["xingning"]
    assert f"{xingning.name}（{xingning.code}）" in unknown_choices(client, batch)

    response = client.post(
        reverse("imports:map_value", args=[batch.pk]),
        {"field": "region", "value": "城区", "entry": xingning.pk},
    )
    assert response.status_code == 302
    alias = RegionAlias.objects.get()
    assert (alias.name, alias.region, alias.created_by) == ("城区", xingning, city_user)
    entry = AuditEntry.objects.get(object_type="imports.regionalias")
    assert entry.action == AuditEntry.Action.CREATE and entry.user == city_user
    assert "城区" in str(entry.changes)
    batch.refresh_from_db()  # checked again, no new upload
    assert (batch.counts["invalid"], batch.counts["created"]) == (0, 3)
    page = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "已把“城区”记为“兴宁区”的其他写法" in page
    client.post(reverse("imports:commit", args=[batch.pk]))
    assert set(Person.objects.values_list("region", flat=True)) == {xingning.pk}

    # Read by later imports of users who may write 兴宁区, not by another district's.
    later = write_xlsx(tmp_path / "下一份.xlsx", [_row(9, 所在县区="城区")])
    assert import_file(actor=city_user, path=later).analysis.counts["invalid"] == 0
    other = import_file(actor=qingxiu_user, path=later).analysis
    assert other.counts["invalid"] == 1
    assert "所属区域“城区”无法识别" in other.problems()[0]["message"]


def test_county_staff_propose_a_region_within_their_own(
    tmp_path, client_for, xingning_user, city_user, regions
):
    client = client_for(xingning_user)
    batch = previewed_batch(client, tmp_path, REGION_ROWS)
    xingning = regions["xingning"]
    # Only the regions the county may write are offered, and only they are taken.
    assert unknown_choices(client, batch) == [f"{xingning.name}（{xingning.code}）"]
    response = client.post(
        reverse("imports:map_value", args=[batch.pk]),
        {"field": "region", "value": "城区", "entry": regions["qingxiu"].pk},
        follow=True,
    )
    assert "请选择您负责的区域中的一个" in response.content.decode()
    assert not ValueMappingProposal.objects.exists()

    client.post(
        reverse("imports:map_value", args=[batch.pk]),
        {"field": "region", "value": "城区", "entry": xingning.pk},
    )
    assert not RegionAlias.objects.exists()  # proposed, not mapped
    proposal = ValueMappingProposal.objects.get()
    assert (proposal.field, proposal.entry_id) == ("region", xingning.pk)
    page = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "待市级确认" in page

    city = client_for(city_user)
    assert "“城区”" in city.get(reverse("imports:proposals")).content.decode()
    city.post(reverse("imports:decide_proposal", args=[proposal.pk]), {"decision": "accept"})
    alias = RegionAlias.objects.get()
    assert (alias.region, alias.created_by) == (xingning, city_user)
    client.post(reverse("imports:recheck", args=[batch.pk]))
    batch.refresh_from_db()
    assert (batch.counts["invalid"], batch.counts["created"]) == (0, 3)
