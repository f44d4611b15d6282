"""附件1 under a province that keeps a tier: a "其中：自治区重点联系" column in
every block, consistent from the province down to a street, and with the
tier's count on the roll-up page (分级汇总)."""

import io

import pytest
import python_calamine
from django.urls import reverse

from tongxin.flows.tests.test_rollups import rows_of, tree  # noqa: F401  (fixture)
from tongxin.levels.services import person_tier_join, tier_set
from tongxin.levels.tiers import tier_for

pytestmark = pytest.mark.django_db

COLUMN = "其中：自治区重点联系"


def table(client, region):
    response = client.get(reverse("reports:summary"), {"region": region.pk})
    assert response.status_code == 200
    return response.context["summary"]


def blocks(summary, row=-1) -> dict[str, dict[str, int]]:
    """{block: {level label: n}} of one row (the 合计 row by default)."""
    labels = summary.level_labels
    cells = summary.rows[row].cells
    return {
        block: dict(zip(labels, cells[i * len(labels) : (i + 1) * len(labels)], strict=True))
        for i, block in enumerate(summary.column_blocks)
    }


@pytest.fixture
def province_tier(tree):  # noqa: F811
    province_user = tree["users"]["province"]
    tier = tier_for(tree["province"])
    for key in ("s1", "x1", "c1"):
        person_tier_join(
            actor=province_user, person=tree["persons"][key], tier=tier, reason="自治区认定"
        )
    return tier


def test_without_a_province_tier_the_table_keeps_its_three_levels(client_for, tree):  # noqa: F811
    summary = table(client_for(tree["users"]["province"]), tree["province"])
    assert summary.level_labels == ["市级重点联系", "县区联系", "储备", "小计"]
    assert summary.upper_tier_note == ""


def test_the_province_tier_column_rolls_up_from_street_to_province(
    client_for,
    tree,  # noqa: F811
    province_tier,
):
    province = blocks(table(client_for(tree["users"]["province"]), tree["province"]))
    assert table(client_for(tree["users"]["province"]), tree["province"]).level_labels == [
        "市级重点联系", COLUMN, "县区联系", "储备", "小计",
    ]  # fmt: skip
    assert province["南宁市"][COLUMN] == 2 and province["柳州市"][COLUMN] == 1
    assert province["合计"][COLUMN] == 3
    # Held in the province tier, counted in 市级重点联系 too; 小计 counts each person once.
    assert province["合计"]["市级重点联系"] == 3
    assert province["合计"]["小计"] == 5

    city = blocks(table(client_for(tree["users"]["city"]), tree["city"]))
    assert city["兴宁区"][COLUMN] == 2 and city["青秀区"][COLUMN] == 0
    assert city["合计"] == province["南宁市"]

    county = blocks(table(client_for(tree["users"]["xingning"]), tree["xingning"]))
    assert county["兴宁区"][COLUMN] == 1 and county["民生街道"][COLUMN] == 1
    assert county["合计"] == city["兴宁区"]

    street = blocks(table(client_for(tree["users"]["jiedao"]), tree["street"]))
    assert street["民生街道"] == county["民生街道"]

    # The roll-up page counts the same holders of the province's tier.
    rows = rows_of(client_for(tree["users"]["province"]), tree["province"])
    assert rows["广西壮族自治区"].held == province["合计"][COLUMN]


def test_the_column_is_named_after_the_tier_and_explained_on_screen_and_in_excel(
    client_for,
    tree,  # noqa: F811
    province_tier,
):
    tier_set(
        actor=tree["users"]["province"],
        region=tree["province"],
        quota=30,
        name="区级重点联系",
        request=None,
    )
    client = client_for(tree["users"]["city"])
    page = client.get(reverse("reports:summary"), {"region": tree["city"].pk}).content.decode()
    assert "其中：区级重点联系" in page
    assert "已计入市级重点联系，小计不重复计算" in page
    response = client.get(reverse("reports:summary_xlsx"), {"region": tree["city"].pk})
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(
        0
    )
    cells = {str(value) for row in sheet.to_python() for value in row}
    assert "其中：区级重点联系" in cells
    assert any("小计不重复计算" in value for value in cells)


def test_a_person_leaving_the_province_tier_leaves_the_column(
    client_for,
    tree,  # noqa: F811
    province_tier,
):
    from tongxin.levels.services import person_tier_leave

    client = client_for(tree["users"]["city"])
    assert blocks(table(client, tree["city"]))["合计"][COLUMN] == 2
    person_tier_leave(
        actor=tree["users"]["province"],
        person=tree["persons"]["x1"],
        tier=province_tier,
        reason="调整",
    )
    assert blocks(table(client, tree["city"]))["合计"][COLUMN] == 1
