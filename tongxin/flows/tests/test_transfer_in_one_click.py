"""申请调入 in one click from "已在其他区域登记": on the registration form and on
an import's preview row. The request is made and submitted towards the user's
node, and the asking side learns nothing more of the person."""

import pytest
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.flows.models import ChangeRequest
from tongxin.imports.models import ImportBatch
from tongxin.imports.tests.rosters import roster_row, write_xlsx
from tongxin.imports.tests.test_views import mapping_post, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def elsewhere(make_person, regions):
    return make_person("青秀人", region=regions["qingxiu"], employer="青秀某律所")


def test_the_registration_form_asks_for_the_person_in_one_click(
    client_for, xingning_user, elsewhere, regions
):
    client = client_for(xingning_user)
    page = client.post(reverse("people:create"), {"id_number": elsewhere.id_number}).content
    assert 'data-testid="transfer-in-offer"' in page.decode()
    assert reverse("flows:transfer_in_quick") in page.decode()

    response = client.post(
        reverse("flows:transfer_in_quick"), {"id_number": elsewhere.id_number, "region": ""}
    )
    request = ChangeRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("flows:detail", args=[request.pk])
    assert (request.kind, request.direction, request.state) == ("transfer", "in", "pending")
    assert (request.target, request.approver, request.origin) == (
        regions["xingning"],
        regions["qingxiu"],
        regions["qingxiu"],
    )
    assert request.proposer == xingning_user
    assert request.reason.startswith("新增登记时该人员已在其他区域登记")
    assert AuditEntry.objects.filter(
        object_type="flows.changerequest", object_id=str(request.pk), action="create"
    ).exists()
    detail = client.get(response.url).content.decode()
    assert "已提交" in detail
    assert "青秀人" not in detail and "青秀某律所" not in detail
    assert "其他区域人员" in detail

    # A second click asks nothing twice.
    again = client.post(
        reverse("flows:transfer_in_quick"), {"id_number": elsewhere.id_number}, follow=True
    )
    assert "已有同一事项的申请正在办理" in again.content.decode()
    assert ChangeRequest.objects.count() == 1


def test_the_form_region_chosen_is_the_target_when_the_user_writes_it(
    client_for, city_user, make_person, regions
):
    from tongxin.regions.models import Region

    liuzhou = Region.objects.create(code="450200", name="柳州市", kind=Region.Kind.CITY)
    chengzhong = Region.objects.create(
        code="450202", name="城中区", kind=Region.Kind.DISTRICT, parent=liuzhou
    )
    mover = make_person("城中人", region=chengzhong)
    client_for(city_user).post(
        reverse("flows:transfer_in_quick"),
        {"id_number": mover.id_number, "region": regions["qingxiu"].pk},
    )
    assert ChangeRequest.objects.get(proposer=city_user).target == regions["qingxiu"]
    # A region outside the user's scope is not taken: the user's own node is.
    other = regions_user(chengzhong)
    moved = make_person("兴宁人", region=regions["xingning"])
    client_for(other).post(
        reverse("flows:transfer_in_quick"),
        {"id_number": moved.id_number, "region": regions["qingxiu"].pk},
    )
    assert ChangeRequest.objects.get(proposer=other).target == chengzhong


def _preview_with_elsewhere_row(tmp_path, client, elsewhere):
    rows = [roster_row(1, "张三"), roster_row(2, "某某", 身份证号=elsewhere.id_number)]
    upload(client, write_xlsx(tmp_path / "兴宁名单.xlsx", rows))
    batch = ImportBatch.objects.get()
    client.post(reverse("imports:mapping", args=[batch.pk]), mapping_post(batch))
    batch.refresh_from_db()
    return batch


def test_an_import_row_registered_elsewhere_asks_for_the_person_in_one_click(
    tmp_path, client_for, xingning_user, elsewhere, regions
):
    client = client_for(xingning_user)
    batch = _preview_with_elsewhere_row(tmp_path, client, elsewhere)
    page = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "该公民身份号码已在其他区域登记" in page
    assert page.count('data-testid="transfer-in-row"') == 1
    # The preview keeps no number in the clear for it, only the keyed hash.
    entry = next(p for p in batch.problems if p.get("transfer_in"))
    assert elsewhere.id_number not in str(batch.problems)
    assert entry["transfer_in"]["hash"] == elsewhere.id_number_hash

    response = client.post(
        reverse("flows:transfer_in_quick"), {"batch": batch.pk, "row": entry["row"]}
    )
    assert response.status_code == 302
    assert response.url == reverse("imports:detail", args=[batch.pk])
    request = ChangeRequest.objects.get()
    assert (request.direction, request.state, request.target, request.approver) == (
        "in",
        "pending",
        regions["xingning"],
        regions["qingxiu"],
    )
    assert f"导入#{batch.pk}第{entry['row']}行" in request.reason
    page = client.get(response.url).content.decode()
    assert f"调入申请 #{request.pk} 已提交" in page
    assert "青秀人" not in page and "青秀某律所" not in page

    # The city of 青秀区 sees the request awaiting it and approves: the person is 兴宁区's.
    client = client_for(regions_user(regions["qingxiu"]))
    client.post(reverse("flows:approve", args=[request.pk]))
    elsewhere.refresh_from_db()
    assert elsewhere.region == regions["xingning"]


def regions_user(region):
    from tongxin.accounts.models import User

    user = User.objects.create_user(f"u{region.pk}", password="x", role=User.Role.COUNTY)
    user.regions.set([region])
    return user


def test_an_import_row_is_asked_for_only_by_who_may_use_the_batch(
    tmp_path, client_for, xingning_user, qingxiu_user, leader_user, elsewhere
):
    batch = _preview_with_elsewhere_row(tmp_path, client_for(xingning_user), elsewhere)
    entry = next(p for p in batch.problems if p.get("transfer_in"))
    data = {"batch": batch.pk, "row": entry["row"]}
    # Another county's staff: the batch is not theirs.
    assert (
        client_for(qingxiu_user).post(reverse("flows:transfer_in_quick"), data).status_code == 404
    )
    # A leader writes nothing.
    assert client_for(leader_user).post(reverse("flows:transfer_in_quick"), data).status_code == 404
    # A row that is not registered elsewhere offers nothing.
    other_row = {"batch": batch.pk, "row": entry["row"] - 1}
    response = client_for(xingning_user).post(reverse("flows:transfer_in_quick"), other_row)
    assert response.status_code == 404
    # Never by GET.
    assert client_for(xingning_user).get(reverse("flows:transfer_in_quick")).status_code == 405
    assert not ChangeRequest.objects.exists()
