"""The Django admin (issue 16): superusers only; personal identifiers masked;
every change made there leaves the audit entry tongxin's own pages write, and
models the staff UI manages are read-only there.

Accounts cannot be created nor passwords set past the services that force the
first-login change, keep the password history and write the audit entry."""

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tongxin.accounts.models import User
from tongxin.audit.models import AuditEntry
from tongxin.core.admin_site import TongxinAdminSite, is_read_only
from tongxin.engagement.models import ActivityType
from tongxin.people.models import (
    Degree,
    Education,
    Ethnicity,
    Person,
    PersonGroup,
    PoliticalStatus,
    SubCategory,
)
from tongxin.regions.models import Region
from tongxin.service.models import RequestCategory

pytestmark = pytest.mark.django_db

# Models whose ModelAdmin saves through tongxin's services (and so writes
# their audit entries); every other registration must be read-only.
SAVED_THROUGH_SERVICES = {
    User,
    Region,
    Ethnicity,
    Education,
    Degree,
    PoliticalStatus,
    PersonGroup,
    SubCategory,
    ActivityType,
    RequestCategory,
}


@pytest.fixture
def superuser(admin_user):
    admin_user.is_staff = True
    admin_user.is_superuser = True
    admin_user.save(update_fields=["is_staff", "is_superuser"])
    return admin_user


@pytest.fixture
def root(client_for, superuser):
    return client_for(superuser)


def audit_entries(obj, action=AuditEntry.Action.UPDATE):
    return AuditEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk), action=action
    )


def test_it_is_the_site_every_app_registers_on():
    assert isinstance(admin.site, TongxinAdminSite)


@pytest.mark.parametrize("fixture", ["admin_user", "city_user", "xingning_user", "leader_user"])
@pytest.mark.parametrize(
    "url_name", ["admin:index", "admin:login", "admin:people_person_changelist"]
)
def test_it_answers_404_to_anyone_but_a_superuser(request, client_for, fixture, url_name):
    user = request.getfixturevalue(fixture)
    # Neither the staff flag nor the role 系统管理员 opens the admin.
    user.is_staff = True
    user.save(update_fields=["is_staff"])

    client = client_for(user)

    assert client.get(reverse(url_name)).status_code == 404
    assert client.post(reverse("admin:regions_region_add"), {"code": "450199"}).status_code == 404
    assert not Region.objects.filter(code="450199").exists()


@pytest.mark.parametrize(
    ("url_name", "back_to"),
    [
        ("admin:index", "/django-admin/"),
        ("admin:login", "/django-admin/"),
        ("admin:people_person_changelist", "/django-admin/people/person/"),
    ],
)
def test_it_sends_someone_not_signed_in_to_tongxins_login(client, db, url_name, back_to):
    response = client.get(reverse(url_name), follow=True)

    last_redirect, status = response.redirect_chain[-1]
    assert status == 302
    assert last_redirect == f"{reverse('login')}?next={back_to}"
    assert response.status_code == 200


def test_it_passes_no_outside_address_to_the_login(client, db):
    response = client.get(reverse("admin:login"), {"next": "https://example.com/"})

    assert response["Location"] == reverse("login") + "?next=/django-admin/"


def test_it_lets_a_superuser_in(root):
    response = root.get(reverse("admin:index"))

    assert response.status_code == 200
    assert "仅限超级用户" in response.content.decode()
    # And the login page just leads back in.
    assert root.get(reverse("admin:login"))["Location"] == reverse("admin:index")


def test_its_password_change_is_tongxins(root):
    response = root.get(reverse("admin:password_change"))

    assert response.status_code == 302
    assert response["Location"] == reverse("account:password_change")


def test_every_registration_is_read_only_or_saves_through_a_service(superuser):
    request = RequestFactory().get("/")
    request.user = superuser

    editable = {
        model
        for model, model_admin in admin.site._registry.items()
        if not is_read_only(model_admin, request)
    }

    assert editable <= SAVED_THROUGH_SERVICES
    for model in SAVED_THROUGH_SERVICES:
        assert not admin.site._registry[model].has_delete_permission(request)


# --- Personal identifiers ---------------------------------------------------


def test_it_masks_id_numbers_and_mobiles(root, make_person):
    person = make_person("张三", mobile="13912345678")

    changelist = root.get(reverse("admin:people_person_changelist")).content.decode()
    change = root.get(reverse("admin:people_person_change", args=[person.pk]))

    page = change.content.decode()
    assert change.status_code == 200
    assert "张三" in changelist and "张三" in page
    for html in (changelist, page):
        assert person.id_number not in html
        assert person.id_number[-4:] not in html.replace(person.masked_id_number, "")
        assert "13912345678" not in html
    assert person.masked_id_number in changelist
    assert person.masked_id_number in page
    assert person.masked_mobile in page
    # Nothing was revealed, so there is nothing to log.
    assert not audit_entries(person, AuditEntry.Action.REVEAL).exists()


def test_it_finds_no_person_by_id_number(root, make_person):
    person = make_person("张三")

    response = root.get(reverse("admin:people_person_changelist"), {"q": person.id_number})

    assert "张三" not in response.content.decode()


def test_it_shows_no_authenticator_secrets(root, xingning_user):
    totp = TOTPDevice.objects.create(user=xingning_user, name="手机", confirmed=True)
    static = StaticDevice.objects.create(user=xingning_user, name="备用码", confirmed=True)
    StaticToken.objects.create(device=static, token="q8w7e6r5")

    totp_page = root.get(reverse("admin:otp_totp_totpdevice_change", args=[totp.pk]))
    static_page = root.get(reverse("admin:otp_static_staticdevice_change", args=[static.pk]))

    assert totp_page.status_code == 200 and static_page.status_code == 200
    assert totp.key not in totp_page.content.decode()
    assert "q8w7e6r5" not in static_page.content.decode()


# --- Read-only models ---------------------------------------------------------


def test_it_refuses_writes_to_persons(root, make_person, regions):
    person = make_person("张三")

    change = root.post(
        reverse("admin:people_person_change", args=[person.pk]),
        {"name": "李四", "region": regions["qingxiu"].pk},
    )
    delete = root.post(reverse("admin:people_person_delete", args=[person.pk]), {"post": "yes"})
    add = root.post(reverse("admin:people_person_add"), {"name": "王五"})
    bulk = root.post(
        reverse("admin:people_person_changelist"),
        {"action": "delete_selected", "_selected_action": [person.pk], "post": "yes"},
    )

    assert change.status_code == 403
    assert delete.status_code == 403
    assert add.status_code == 403
    assert bulk.status_code in {200, 302}
    person.refresh_from_db()
    assert person.name == "张三" and person.region == regions["xingning"]
    assert Person.objects.count() == 1


def test_it_refuses_to_lift_login_locks_or_touch_devices(root, xingning_user):
    attempt = AccessAttempt.objects.create(
        username="xingning", ip_address="10.0.0.9", failures_since_start=9
    )
    device = TOTPDevice.objects.create(user=xingning_user, name="手机", confirmed=True)

    lock = root.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    bulk = root.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    removed = root.post(
        reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}
    )
    added = root.post(
        reverse("admin:otp_totp_totpdevice_add"), {"user": xingning_user.pk, "name": "x"}
    )
    group = root.post(reverse("admin:auth_group_add"), {"name": "超级组"})

    assert lock.status_code == 403 and removed.status_code == 403
    assert added.status_code == 403 and group.status_code == 403
    assert bulk.status_code in {200, 302}
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()
    assert TOTPDevice.objects.filter(user=xingning_user).count() == 1
    assert not Group.objects.exists()


# --- Users --------------------------------------------------------------------


def user_form(user, **changes):
    data = {
        "display_name": user.display_name,
        "role": user.role,
        "regions": [r.pk for r in user.regions.all()],
        "is_active": "on" if user.is_active else "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_a_role_and_region_change_writes_the_audit_entry(root, superuser, xingning_user, regions):
    url = reverse("admin:accounts_user_change", args=[xingning_user.pk])

    response = root.post(
        url,
        user_form(xingning_user, role=User.Role.COUNTY, regions=[regions["qingxiu"].pk]),
    )
    promoted = root.post(
        url, user_form(xingning_user, role=User.Role.CITY, regions=[regions["city"].pk])
    )

    assert response.status_code == 302 and promoted.status_code == 302
    xingning_user.refresh_from_db()
    assert xingning_user.role == User.Role.CITY
    assert list(xingning_user.regions.all()) == [regions["city"]]
    moved, promotion = audit_entries(xingning_user).order_by("id")
    assert moved.user == superuser
    assert moved.changes == {"regions": [["兴宁区"], ["青秀区"]]}
    assert promotion.changes == {
        "role": ["县区工作人员", "市级工作人员"],
        "regions": [["青秀区"], ["南宁市"]],
    }


def test_it_names_the_field_the_service_would_refuse(root, superuser, xingning_user):
    response = root.post(
        reverse("admin:accounts_user_change", args=[xingning_user.pk]),
        user_form(xingning_user, regions=[]),
    )
    own = root.post(
        reverse("admin:accounts_user_change", args=[superuser.pk]),
        user_form(superuser, is_active=""),
    )

    assert response.status_code == 200
    assert "请至少选择一个所在区域" in response.content.decode()
    assert own.status_code == 200
    assert "不能停用自己的账号。" in own.content.decode()
    superuser.refresh_from_db()
    assert superuser.is_active
    assert xingning_user.regions.count() == 1
    assert not AuditEntry.objects.filter(object_type="accounts.user").exists()


def test_it_cannot_make_a_superuser(root, xingning_user):
    root.post(
        reverse("admin:accounts_user_change", args=[xingning_user.pk]),
        {**user_form(xingning_user), "is_superuser": "on", "is_staff": "on"},
    )

    xingning_user.refresh_from_db()
    assert not xingning_user.is_superuser and not xingning_user.is_staff


def test_it_offers_no_add_form(root):
    assert root.get(reverse("admin:accounts_user_add")).status_code == 403
    changelist = root.get(reverse("admin:accounts_user_changelist"))
    assert changelist.status_code == 200
    assert reverse("admin:accounts_user_add") not in changelist.content.decode()


def test_it_sends_a_password_change_to_the_reset_page(root, xingning_user):
    response = root.get(reverse("admin:auth_user_password_change", args=[xingning_user.pk]))
    posted = root.post(
        reverse("admin:auth_user_password_change", args=[xingning_user.pk]),
        {"password1": "Qx7#long-enough", "password2": "Qx7#long-enough"},
    )

    target = reverse("accounts:user_password", args=[xingning_user.pk])
    assert response.status_code == 302 and response["Location"] == target
    assert posted.status_code == 302 and posted["Location"] == target
    xingning_user.refresh_from_db()
    assert xingning_user.check_password("correct-horse-battery-staple")


# --- Regions and dictionaries -------------------------------------------------


def region_form(region, **changes):
    data = {
        "code": region.code,
        "name": region.name,
        "kind": region.kind,
        "parent": region.parent_id or "",
        "sort_order": region.sort_order,
        "is_active": "on" if region.is_active else "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_a_region_change_writes_the_audit_entry(root, superuser, regions):
    qingxiu = regions["qingxiu"]

    response = root.post(
        reverse("admin:regions_region_change", args=[qingxiu.pk]),
        region_form(qingxiu, name="青秀新区"),
    )

    assert response.status_code == 302
    qingxiu.refresh_from_db()
    assert qingxiu.name == "青秀新区"
    (entry,) = audit_entries(qingxiu)
    assert entry.user == superuser and entry.region == qingxiu
    assert entry.changes == {"name": ["青秀区", "青秀新区"]}


def test_a_new_region_writes_the_audit_entry(root, regions):
    response = root.post(
        reverse("admin:regions_region_add"),
        {
            "code": "450105",
            "name": "江南区",
            "kind": Region.Kind.DISTRICT,
            "parent": regions["city"].pk,
            "sort_order": 3,
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    created = Region.objects.get(code="450105")
    (entry,) = audit_entries(created, AuditEntry.Action.CREATE)
    assert entry.changes["name"] == [None, "江南区"]


@pytest.mark.parametrize("model", [Ethnicity, ActivityType])
def test_a_dictionary_change_writes_the_audit_entry(root, superuser, model, regions):
    entry = model.objects.create(name="测试条目", sort_order=99)
    opts = model._meta

    response = root.post(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[entry.pk]),
        {"name": "测试条目二", "synonyms": "", "sort_order": 99},  # is_active unticked
    )

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.name == "测试条目二" and not entry.is_active
    (audit,) = audit_entries(entry)
    assert audit.user == superuser
    assert audit.changes == {"name": ["测试条目", "测试条目二"], "is_active": [True, False]}


def test_a_new_dictionary_entry_writes_the_audit_entry(root, regions):
    response = root.post(
        reverse("admin:people_education_add"),
        {"name": "博士后", "synonyms": "", "sort_order": 50, "is_active": "on"},
    )

    assert response.status_code == 302
    created = Education.objects.get(name="博士后")
    (audit,) = audit_entries(created, AuditEntry.Action.CREATE)
    assert audit.changes["name"] == [None, "博士后"]
