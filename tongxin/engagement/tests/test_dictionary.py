"""Activity types (活动类型) on the staff dictionary pages (数据字典)."""

import pytest
from django.urls import reverse

from tongxin.audit.models import AuditEntry
from tongxin.engagement.models import ActivityType
from tongxin.engagement.tests.factories import make_record, post_data

pytestmark = pytest.mark.django_db

LIST = reverse("dictionaries:list", args=["activity-types"])
CREATE = reverse("dictionaries:create", args=["activity-types"])


def _edit_url(entry) -> str:
    return reverse("dictionaries:edit", args=["activity-types", entry.pk])


def test_it_appears_in_the_dictionary_index(client_for, admin_user):
    response = client_for(admin_user).get(reverse("dictionaries:index"))

    assert response.status_code == 200
    assert "活动类型" in response.content.decode()
    assert LIST in response.content.decode()


def test_it_lists_types_with_the_activities_using_them(client_for, admin_user, regions):
    for _ in range(2):
        make_record("activities", actor=admin_user, region=regions["xingning"])

    response = client_for(admin_user).get(LIST)

    assert response.status_code == 200
    page = response.content.decode()
    assert "引用活动数" in page
    assert "座谈/联谊" in page
    counts = {entry.name: entry.usage_count for entry, _ in response.context["rows"]}
    assert counts["主题教育"] == 2
    assert counts["座谈/联谊"] == 0


def test_it_adds_a_type_that_staff_can_then_choose(client_for, admin_user, xingning_user):
    response = client_for(admin_user).post(
        CREATE, {"name": "参观考察", "sort_order": "80", "is_active": "on"}
    )

    assert response.status_code == 302
    assert response["Location"] == LIST
    activity_type = ActivityType.objects.get(name="参观考察")
    entry = AuditEntry.objects.get(action="create", object_type="engagement.activitytype")
    assert entry.changes["name"] == [None, "参观考察"]
    form = client_for(xingning_user).get(reverse("engagement:activities_create")).context["form"]
    assert activity_type in form.fields["type"].queryset


def test_it_renames_and_disables_a_type_in_use(client_for, admin_user, xingning_user, regions):
    activity = make_record("activities", actor=admin_user, region=regions["xingning"])
    activity_type = ActivityType.objects.get(name="主题教育")

    response = client_for(admin_user).post(
        _edit_url(activity_type),
        {"name": "主题教育活动", "sort_order": activity_type.sort_order},
    )

    assert response.status_code == 302
    activity_type.refresh_from_db()
    assert (activity_type.name, activity_type.is_active) == ("主题教育活动", False)
    activity.refresh_from_db()
    assert activity.type_id == activity_type.pk
    entry = AuditEntry.objects.get(action="update", object_type="engagement.activitytype")
    assert entry.changes["is_active"] == [True, False]
    assert entry.changes["name"] == ["主题教育", "主题教育活动"]
    form = client_for(xingning_user).get(reverse("engagement:activities_create")).context["form"]
    assert activity_type not in form.fields["type"].queryset


def test_it_refuses_a_duplicate_name(client_for, admin_user):
    before = ActivityType.objects.count()

    response = client_for(admin_user).post(
        CREATE, {"name": "主题教育", "sort_order": "0", "is_active": "on"}
    )

    assert response.status_code == 200
    assert "活动类型中已有“主题教育”，名称不能重复。" in response.content.decode()
    assert ActivityType.objects.count() == before


@pytest.mark.parametrize("outsider", ["xingning_user", "city_user", "leader_user"])
def test_it_refuses_everyone_but_the_system_admin(client_for, request, outsider):
    client = client_for(request.getfixturevalue(outsider))
    activity_type = ActivityType.objects.get(name="主题教育")

    assert client.get(LIST).status_code == 404
    assert client.get(CREATE).status_code == 404
    assert client.post(CREATE, {"name": "新类型", "sort_order": "0"}).status_code == 404
    edit = client.post(_edit_url(activity_type), {"name": "改名", "sort_order": "0"})
    assert edit.status_code == 404
    activity_type.refresh_from_db()
    assert activity_type.name == "主题教育"
    assert not ActivityType.objects.filter(name="新类型").exists()


def test_an_activity_keeps_its_disabled_type_when_edited(client_for, admin_user, xingning_user,
                                                         regions):  # fmt: skip
    activity = make_record("activities", actor=admin_user, region=regions["xingning"])
    ActivityType.objects.filter(pk=activity.type_id).update(is_active=False)
    url = reverse("engagement:activities_edit", args=[activity.pk])
    data = post_data("activities", regions["xingning"], title="读书班（二）", version=1)

    response = client_for(xingning_user).post(url, data)

    assert response.status_code == 302
    activity.refresh_from_db()
    assert (activity.title, activity.type.name) == ("读书班（二）", "主题教育")
