"""Request categories (诉求类别) on the staff dictionary pages (数据字典)."""

import pytest
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.service.models import RequestCategory

pytestmark = pytest.mark.django_db

LIST = reverse("dictionaries:list", args=["request-categories"])
CREATE = reverse("dictionaries:create", args=["request-categories"])


def _edit_url(category) -> str:
    return reverse("dictionaries:edit", args=["request-categories", category.pk])


def test_it_appears_in_the_dictionary_index(client_for, admin_user):
    response = client_for(admin_user).get(reverse("dictionaries:index"))

    assert response.status_code == 200
    assert "诉求类别" in response.content.decode()
    assert LIST in response.content.decode()


def test_it_lists_categories_with_the_requests_using_them(
    client_for, admin_user, make_person, make_request
):
    person = make_person("张三")
    make_request(person, category="社会保障")
    make_request(person, category="社会保障")
    make_request(person, category="职称评审")

    response = client_for(admin_user).get(LIST)

    assert response.status_code == 200
    page = response.content.decode()
    assert "引用诉求数" in page
    assert "权益保护" in page
    counts = {entry.name: entry.usage_count for entry, _ in response.context["rows"]}
    assert counts["社会保障"] == 2
    assert counts["职称评审"] == 1
    assert counts["权益保护"] == 0


def test_it_adds_a_category_that_staff_can_then_choose(client_for, admin_user, xingning_user):
    response = client_for(admin_user).post(
        CREATE,
        {"name": "子女教育", "synonyms": "入学、就学", "sort_order": "60", "is_active": "on"},
    )

    assert response.status_code == 302
    assert response["Location"] == LIST
    category = RequestCategory.objects.get(name="子女教育")
    assert category.synonyms == "入学、就学"
    entry = AuditEntry.objects.get(action="create", object_type="service.requestcategory")
    assert entry.changes["name"] == [None, "子女教育"]
    form = client_for(xingning_user).get(reverse("service:request_create")).context["form"]
    assert category in form.fields["category"].queryset


def test_it_refuses_a_duplicate_name(client_for, admin_user):
    before = RequestCategory.objects.count()

    response = client_for(admin_user).post(
        CREATE, {"name": "社会保障", "sort_order": "0", "is_active": "on"}
    )

    assert response.status_code == 200
    assert "诉求类别中已有“社会保障”，名称不能重复。" in response.content.decode()
    assert RequestCategory.objects.count() == before


def test_it_disables_a_category_in_use_without_touching_its_requests(
    client_for, admin_user, xingning_user, make_person, make_request
):
    r = make_request(make_person("张三"), category="职称评审")
    category = RequestCategory.objects.get(name="职称评审")

    response = client_for(admin_user).post(
        _edit_url(category), {"name": "职称评审", "sort_order": category.sort_order}
    )

    assert response.status_code == 302
    category.refresh_from_db()
    assert category.is_active is False
    r.refresh_from_db()
    assert r.category_id == category.pk
    entry = AuditEntry.objects.get(action="update", object_type="service.requestcategory")
    assert entry.changes["is_active"] == [True, False]
    form = client_for(xingning_user).get(reverse("service:request_create")).context["form"]
    assert category not in form.fields["category"].queryset


@pytest.mark.parametrize("outsider", ["xingning_user", "city_user", "leader_user"])
def test_it_refuses_everyone_but_the_system_admin(client_for, request, outsider):
    client = client_for(request.getfixturevalue(outsider))
    category = RequestCategory.objects.get(name="社会保障")

    assert client.get(LIST).status_code == 404
    assert client.get(CREATE).status_code == 404
    assert client.post(CREATE, {"name": "新类别", "sort_order": "0"}).status_code == 404
    assert client.post(_edit_url(category), {"name": "改名", "sort_order": "0"}).status_code == 404
    category.refresh_from_db()
    assert category.name == "社会保障"
    assert not RequestCategory.objects.filter(name="新类别").exists()
