import pytest
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.service.models import Department

pytestmark = pytest.mark.django_db


def form(**overrides) -> dict:
    data = {
        "name": "市工商业联合会",
        "kind": Department.Kind.MEMBER,
        "contact_person": "李四",
        "phone": "０７７１ ５５５ １２３４ 转 8",
        "sort_order": "10",
        "is_active": "on",
    }
    data |= overrides
    return data


def test_it_creates_a_department(client_for, city_user):
    response = client_for(city_user).post(reverse("service:department_create"), form())
    assert response.status_code == 302
    d = Department.objects.get()
    assert d.name == "市工商业联合会" and d.phone == "0771-5551234转8"
    entry = AuditEntry.objects.get(object_type="service.department", action="create")
    assert entry.user == city_user and entry.changes["name"] == [None, "市工商业联合会"]
    assert d.history.count() == 1


def test_it_refuses_a_bad_phone_and_a_duplicate_name(client_for, admin_user, department):
    client = client_for(admin_user)
    response = client.post(reverse("service:department_create"), form(phone="12ab"))
    assert response.status_code == 200
    assert "联系电话只能包含数字" in response.content.decode()
    response = client.post(reverse("service:department_create"), form(name=department.name))
    assert "该单位名称已存在" in response.content.decode()
    assert Department.objects.count() == 1


def test_it_edits_and_deactivates_with_history(client_for, admin_user, department):
    client = client_for(admin_user)
    url = reverse("service:department_edit", args=[department.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, form(name=department.name, phone="13800138000", is_active=""))
    assert response.status_code == 302
    department.refresh_from_db()
    assert not department.is_active and department.phone == "13800138000"
    entry = AuditEntry.objects.filter(object_type="service.department", action="update").get()
    assert entry.changes["is_active"] == [True, False]
    page = client.get(url).content.decode()
    assert "修改成员单位" in page and "启用" in page
    # inactive units leave the default list, stay under 含已停用
    listing = client.get(reverse("service:department_list")).content.decode()
    assert department.name not in listing
    listing = client.get(reverse("service:department_list"), {"active": "all"}).content.decode()
    assert department.name in listing


def test_it_lists_and_filters(client_for, xingning_user, department, admin_user):
    from tongxin.service.services import department_create

    department_create(actor=admin_user, data={"name": "某行业协会", "kind": Department.Kind.OTHER})
    client = client_for(xingning_user)
    text = client.get(reverse("service:department_list")).content.decode()
    assert department.name in text and "某行业协会" in text
    assert "新增单位" not in text  # county staff pick units, they don't keep the directory
    text = client.get(reverse("service:department_list"), {"kind": "other"}).content.decode()
    assert department.name not in text and "某行业协会" in text


@pytest.mark.parametrize("who", ["xingning_user", "leader_user"])
def test_county_staff_and_leaders_cannot_change_departments(client_for, request, department, who):
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("service:department_create")).status_code == 404
    assert client.post(reverse("service:department_create"), form()).status_code == 404
    url = reverse("service:department_edit", args=[department.pk])
    assert client.post(url, form(name="改名")).status_code == 404
    department.refresh_from_db()
    assert department.name == "市人力资源和社会保障局"
    assert client.get(reverse("service:department_list")).status_code == 200
