"""The audit-log browser (审计日志) and the log's immutability."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log

OUTSIDERS = ["xingning_user", "city_user", "leader_user", "qingxiu_user"]


def entry(**fields) -> AuditEntry:
    fields.setdefault("action", AuditEntry.Action.VIEW)
    return AuditEntry.objects.create(**fields)


def at(entry: AuditEntry, when: datetime.datetime) -> None:
    # Test setup only: the app never rewrites an entry's time, and its
    # queryset refuses to; the plain QuerySet.update goes around that guard.
    models.QuerySet.update(AuditEntry.objects.filter(pk=entry.pk), at=when)


def local(year, month, day, hour=12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


def rows(response) -> list[dict]:
    """The listed rows, without the entry of the test administrator's own login."""
    return [row for row in response.context["rows"] if not is_own_login(row["entry"])]


def is_own_login(entry: AuditEntry) -> bool:
    return entry.action == "login" and entry.username == "admin"


def listed(response) -> list[int]:
    return [row["entry"].pk for row in rows(response)]


@pytest.fixture
def admin_client(client_for, admin_user):
    return client_for(admin_user)


def test_it_lists_entries_newest_first_and_readably(admin_client, admin_user, regions):
    region = regions["qingxiu"]
    audit_log(
        action="update",
        user=admin_user,
        obj=region,
        region=region,
        changes={"name": ["青秀区", "青秀新区"], "is_active": [True, False]},
    )
    audit_log(action="login_failed", username="ghost", changes={"reason": "使用演示密码"})

    response = admin_client.get(reverse("audit:list"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "审计日志" in page
    assert "登录失败" in page
    assert "ghost" in page
    assert "修改" in page
    assert "名称：青秀区 → 青秀新区" in page
    assert "启用：是 → 否" in page
    assert "原因：使用演示密码" in page
    assert "区域" in page and "青秀区" in page
    now = timezone.localtime()
    assert f"{now.year}年{now.month}月{now.day}日" in page
    first, second = rows(response)
    assert first["entry"].action == "login_failed"
    assert second["object_type"] == "区域"


def test_it_shows_list_changes_and_empty_values(admin_client, admin_user, xingning_user):
    audit_log(
        action="update",
        user=admin_user,
        obj=xingning_user,
        changes={"regions": [["兴宁区"], ["兴宁区", "青秀区"]], "display_name": ["", "李明"]},
    )

    page = admin_client.get(reverse("audit:list")).content.decode()

    assert "所在区域：兴宁区 → 兴宁区、青秀区" in page
    assert "姓名：（空） → 李明" in page


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_it_refuses_everyone_but_the_admin_with_404(client_for, request, outsider):
    client = client_for(request.getfixturevalue(outsider))
    assert client.get(reverse("audit:list")).status_code == 404


def test_it_filters_by_username_action_type_and_id(admin_client, admin_user, regions):
    a = entry(username="xingning", action="login")
    b = entry(username="xingning", action="update", object_type="people.person", object_id="7")
    c = entry(username="city", action="update", object_type="people.person", object_id="8")
    d = entry(username="city", action="create", object_type="regions.region", object_id="7")
    url = reverse("audit:list")

    assert listed(admin_client.get(url, {"username": "xingning"})) == [b.pk, a.pk]
    assert listed(admin_client.get(url, {"action": "update"})) == [c.pk, b.pk]
    assert listed(admin_client.get(url, {"object_type": "people.person"})) == [c.pk, b.pk]
    assert listed(admin_client.get(url, {"object_id": "7"})) == [d.pk, b.pk]
    both = {"username": "city", "action": "update", "object_type": "people.person"}
    assert listed(admin_client.get(url, both)) == [c.pk]


def test_it_filters_by_local_date_range(admin_client):
    early = entry(username="a")
    at(early, local(2026, 3, 1, 23))
    middle = entry(username="b")
    # 00:30 in Shanghai is still the previous day in UTC: the filter uses local days.
    at(middle, local(2026, 3, 2, 0).replace(minute=30))
    late = entry(username="c")
    at(late, local(2026, 3, 4, 9))
    url = reverse("audit:list")

    assert listed(admin_client.get(url, {"date_from": "2026-03-02"})) == [late.pk, middle.pk]
    assert listed(admin_client.get(url, {"date_to": "2026-03-01"})) == [early.pk]
    response = admin_client.get(url, {"date_from": "2026-03-02", "date_to": "2026-03-03"})
    assert listed(response) == [middle.pk]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"date_from": "2026-13-01"}, "date_from", "请输入正确的日期，例如 2026-11-22。"),
        (
            {"date_from": "2026-03-05", "date_to": "2026-03-01"},
            "date_to",
            "截止日期不能早于起始日期。",
        ),
        ({"action": "destroy"}, "action", "没有这种操作。"),
        ({"object_type": "auth.secret"}, "object_type", "没有这种对象类型。"),
    ],
)
def test_it_names_a_bad_filter_and_ignores_it(admin_client, params, field, message):
    kept = entry(username="a")

    response = admin_client.get(reverse("audit:list"), params)

    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert message in response.content.decode()
    assert kept.pk in listed(response)


def test_it_pages_by_id(admin_client, django_assert_num_queries):
    AuditEntry.objects.bulk_create(
        [AuditEntry(action="view", username=f"u{i}", object_id=str(i)) for i in range(120)]
    )
    ids = list(
        AuditEntry.objects.exclude(username="admin", action="login")
        .order_by("-id")
        .values_list("id", flat=True)
    )
    url = reverse("audit:list")

    first = admin_client.get(url)
    assert listed(first) == ids[:50]
    assert first.context["next_before"] == ids[49]
    assert f"?before={ids[49]}" in first.content.decode()
    assert "更早的日志" in first.content.decode()

    # session, user, one page of entries — the same on every page (the
    # placement was read on the first page and is kept, regions/scope.py)
    with django_assert_num_queries(3):
        second = admin_client.get(url, {"before": ids[49]})
    assert listed(second) == ids[50:100]
    assert "回到最新" in second.content.decode()

    third = admin_client.get(url, {"before": ids[99]})
    assert listed(third) == ids[100:]
    assert third.context["next_before"] is None
    assert "更早的日志" not in third.content.decode()


def test_it_keeps_filters_when_paging(admin_client):
    AuditEntry.objects.bulk_create([AuditEntry(action="view", username="a") for _ in range(55)])
    AuditEntry.objects.bulk_create([AuditEntry(action="view", username="b") for _ in range(5)])

    response = admin_client.get(reverse("audit:list"), {"username": "a"})

    assert {row["entry"].username for row in response.context["rows"]} == {"a"}
    assert len(response.context["rows"]) == 50
    assert "username=a" in response.context["request"].get_full_path()
    assert f"username=a&amp;before={response.context['next_before']}" in response.content.decode()


def test_it_ignores_a_malformed_before(admin_client):
    kept = entry(username="a")
    response = admin_client.get(reverse("audit:list"), {"before": "drop table"})
    assert listed(response) == [kept.pk]


# Immutability: the log is append-only everywhere.


def test_an_entry_cannot_be_changed(db):
    saved = entry(username="a")
    saved.username = "b"
    with pytest.raises(PermissionDenied):
        saved.save()
    assert AuditEntry.objects.get(pk=saved.pk).username == "a"


def test_an_entry_cannot_be_deleted(db):
    saved = entry(username="a")
    with pytest.raises(PermissionDenied):
        saved.delete()
    assert AuditEntry.objects.filter(pk=saved.pk).exists()


def test_the_browser_accepts_no_writes(admin_client):
    kept = entry(username="a")
    url = reverse("audit:list")

    for method in (admin_client.post, admin_client.put, admin_client.patch, admin_client.delete):
        assert method(url, {"id": kept.pk}).status_code == 405

    assert AuditEntry.objects.filter(pk=kept.pk, username="a").exists()


def test_there_is_no_url_to_change_or_delete_entries(db):
    for name in ("edit", "update", "delete", "detail"):
        with pytest.raises(NoReverseMatch):
            reverse(f"audit:{name}", args=[1])


@pytest.fixture
def superuser_client(client, regions):
    user = User.objects.create_superuser(username="root", password="x-Root-Password-9")
    client.force_login(user, backend="tongxin.accounts.backends.TongxinBackend")
    return client


def test_the_django_admin_shows_entries_read_only(superuser_client):
    saved = entry(username="a", object_repr="张三")

    assert superuser_client.get(reverse("admin:audit_auditentry_changelist")).status_code == 200
    change_url = reverse("admin:audit_auditentry_change", args=[saved.pk])
    response = superuser_client.get(change_url)
    assert response.status_code == 200
    assert 'name="username"' not in response.content.decode()

    assert superuser_client.post(change_url, {"username": "b"}).status_code == 403
    delete_url = reverse("admin:audit_auditentry_delete", args=[saved.pk])
    assert superuser_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert superuser_client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    assert AuditEntry.objects.filter(pk=saved.pk, username="a").exists()


def test_the_django_admin_offers_no_bulk_delete(superuser_client):
    saved = entry(username="a")
    response = superuser_client.post(
        reverse("admin:audit_auditentry_changelist"),
        {"action": "delete_selected", "_selected_action": [saved.pk], "post": "yes"},
    )
    assert response.status_code in {200, 302}
    assert AuditEntry.objects.filter(pk=saved.pk).exists()


def test_it_refuses_bulk_update_and_delete_of_audit_entries(db):
    from django.core.exceptions import PermissionDenied

    from tongxin.audit.models import AuditEntry

    AuditEntry.objects.create(action="login", username="someone")
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.all().update(username="other")
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.filter(username="someone").delete()
    assert AuditEntry.objects.get().username == "someone"
