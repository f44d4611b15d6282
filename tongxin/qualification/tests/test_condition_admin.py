import pytest
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.people.models import Education
from tongxin.qualification.models import Condition

pytestmark = pytest.mark.django_db


def form(**overrides) -> dict:
    data = {
        "name": "学历要求",
        "field": "education",
        "operator": "in",
        "value_text": "研究生、大学本科",
        "failure_message": "学历低于大学本科",
        "sort_order": "50",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_it_lists_the_conditions_in_words(client_for, admin_user):
    response = client_for(admin_user).get(reverse("qualification:conditions"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "政治面貌 不属于 中共党员、中共预备党员" in text
    assert "年龄（周岁，按基准日计算） ≤ 60" in text


def test_it_creates_a_condition_from_names(client_for, admin_user):
    response = client_for(admin_user).post(reverse("qualification:condition_create"), form())
    assert response.status_code == 302
    condition = Condition.objects.get(name="学历要求")
    assert sorted(condition.value) == sorted(
        Education.objects.filter(name__in=["研究生", "大学本科"]).values_list("id", flat=True)
    )
    entry = AuditEntry.objects.get(action="create", object_type="qualification.condition")
    assert entry.changes["condition"] == "学历 属于 研究生、大学本科"
    assert condition.history.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"operator": "lte"}, "operator", "“学历”只能使用：属于、不属于"),
        ({"value_text": "博士后"}, "value_text", "“博士后”不是学历字典中的项目"),
        ({"field": "age", "operator": "lte", "value_text": "六十"}, "value_text", "应为整数"),
        ({"field": "age", "operator": "lte", "value_text": "200"}, "value_text", "0到150之间"),
        ({"field": "cpc", "operator": "eq", "value_text": "也许"}, "value_text", "“是”或“否”"),
        ({"field": "", "operator": "eq"}, "field", "请选择检查项"),
        ({"failure_message": ""}, "failure_message", "请填写不符合时的说明"),
    ],
)
def test_it_refuses_a_bad_combination_naming_the_field(
    client_for, admin_user, overrides, field, message
):
    before = Condition.objects.count()
    response = client_for(admin_user).post(
        reverse("qualification:condition_create"), form(**overrides)
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors
    assert message in response.content.decode()
    assert Condition.objects.count() == before


def test_it_edits_and_deactivates_with_history(client_for, admin_user):
    age = Condition.objects.get(field="age")
    response = client_for(admin_user).post(
        reverse("qualification:condition_edit", args=[age.pk]),
        form(
            name="年龄",
            field="age",
            operator="lte",
            value_text="55",
            failure_message="年龄超过55周岁",
            is_active="",
        ),
    )
    assert response.status_code == 302
    age.refresh_from_db()
    assert age.value == 55 and not age.is_active
    entry = AuditEntry.objects.get(action="update", object_type="qualification.condition")
    assert entry.changes["condition"] == [
        "年龄（周岁，按基准日计算） ≤ 60",
        "年龄（周岁，按基准日计算） ≤ 55",
    ]
    assert age.history.count() == 2  # the default, then the edit


def test_only_system_admins_manage_conditions(client_for, city_user, xingning_user, leader_user):
    age = Condition.objects.get(field="age")
    for user in (city_user, xingning_user, leader_user):
        client = client_for(user)
        assert client.get(reverse("qualification:conditions")).status_code == 404
        assert client.get(reverse("qualification:condition_create")).status_code == 404
        assert client.post(reverse("qualification:condition_create"), form()).status_code == 404
        url = reverse("qualification:condition_edit", args=[age.pk])
        assert (
            client.post(url, form(field="age", operator="lte", value_text="1")).status_code == 404
        )
    age.refresh_from_db()
    assert age.value == 60
    assert not Condition.objects.filter(name="学历要求").exists()


def test_the_nav_shows_the_report_to_staff_and_settings_to_admins(
    client_for, admin_user, xingning_user
):
    text = client_for(xingning_user).get(reverse("home")).content.decode()
    assert "资格条件" in text and "资格条件设置" not in text
    text = client_for(admin_user).get(reverse("home")).content.decode()
    assert "资格条件设置" in text
