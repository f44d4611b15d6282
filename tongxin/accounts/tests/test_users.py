"""User administration (用户管理): system administrators only."""

import json

import pytest
from django.http import Http404
from django.urls import reverse

from tongxin.accounts.models import User
from tongxin.audit.models import AuditEntry
from tongxin.conftest import PASSWORD
from tongxin.core.access import require_system_admin

OUTSIDERS = ["xingning_user", "city_user", "leader_user"]
NEW_PASSWORD = "Lanterns-over-Yong-River-7"


def user_entries():
    return AuditEntry.objects.filter(object_type="accounts.user")


def create_data(region_map, **overrides) -> dict:
    data = {
        "username": "wang",
        "display_name": "王芳",
        "role": User.Role.COUNTY,
        "regions": [region_map["qingxiu"].pk],
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def edit_data(user: User, **overrides) -> dict:
    data = {
        "display_name": user.display_name,
        "role": user.role,
        "regions": [r.pk for r in user.regions.all()],
        "is_active": "on" if user.is_active else None,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    "role", [User.Role.CITY, User.Role.COUNTY, User.Role.LEADER, User.Role.EVALUATOR]
)
def test_require_system_admin_refuses_every_other_role(db, role):
    with pytest.raises(Http404):
        require_system_admin(User(username="x", role=role))


def test_require_system_admin_admits_admins_and_superusers(db):
    require_system_admin(User(username="a", role=User.Role.ADMIN))
    require_system_admin(User(username="s", role=User.Role.CITY, is_superuser=True))
    with pytest.raises(Http404):
        require_system_admin(User(username="b", role=User.Role.ADMIN, is_active=False))


def test_it_lists_users(client_for, admin_user, xingning_user, regions):
    xingning_user.display_name = "李明"
    xingning_user.save(update_fields=["display_name"])

    response = client_for(admin_user).get(reverse("accounts:user_list"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "用户管理" in page
    assert "李明" in page
    assert "县区工作人员" in page
    assert "兴宁区" in page
    assert "从未登录" in page


def test_it_pins_the_query_count_of_the_list(
    client_for, admin_user, regions, django_assert_num_queries
):
    client = client_for(admin_user)
    for i in range(10):
        user = User.objects.create_user(username=f"u{i}", role=User.Role.COUNTY)
        user.regions.set([regions["xingning"], regions["qingxiu"]])
    # session, user, the placement (regions.scope), users, their regions
    with django_assert_num_queries(5):
        assert client.get(reverse("accounts:user_list")).status_code == 200


@pytest.mark.parametrize("outsider", OUTSIDERS)
@pytest.mark.parametrize("name", ["user_list", "user_create", "user_edit", "user_password"])
def test_it_refuses_everyone_but_the_admin_with_404(
    client_for, request, admin_user, regions, outsider, name
):
    args = [] if name in {"user_list", "user_create"} else [admin_user.pk]
    url = reverse(f"accounts:{name}", args=args)
    client = client_for(request.getfixturevalue(outsider))

    assert client.get(url).status_code == 404
    assert client.post(url, create_data(regions, role="admin")).status_code == 404
    admin_user.refresh_from_db()
    assert admin_user.check_password(PASSWORD)
    assert not User.objects.filter(username="wang").exists()
    assert not user_entries().exists()


def test_it_shows_the_create_form(client_for, admin_user, regions):
    response = client_for(admin_user).get(reverse("accounts:user_create"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "新增用户" in page
    assert "初始密码" in page
    assert "青秀区" in page


def test_it_creates_a_user_and_audits_it_without_the_password(client_for, admin_user, regions):
    response = client_for(admin_user).post(reverse("accounts:user_create"), create_data(regions))

    assert response.status_code == 302
    assert response.url == reverse("accounts:user_list")
    user = User.objects.get(username="wang")
    assert user.display_name == "王芳"
    assert user.role == User.Role.COUNTY
    assert list(user.regions.all()) == [regions["qingxiu"]]
    assert user.check_password(NEW_PASSWORD)
    entry = user_entries().get(action="create")
    assert entry.user == admin_user
    assert entry.object_id == str(user.pk)
    assert entry.changes["username"] == [None, "wang"]
    assert entry.changes["role"] == [None, "县区工作人员"]
    assert entry.changes["regions"] == [None, ["青秀区"]]
    dumped = json.dumps(entry.changes, ensure_ascii=False)
    assert NEW_PASSWORD not in dumped
    assert "password" not in dumped
    assert user.password not in dumped


def test_it_places_a_city_user_at_the_city_node(client_for, admin_user, regions):
    data = create_data(regions, username="zhao", role=User.Role.CITY, regions=[regions["city"].pk])

    response = client_for(admin_user).post(reverse("accounts:user_create"), data)

    assert response.status_code == 302
    assert list(User.objects.get(username="zhao").regions.all()) == [regions["city"]]


def test_it_creates_an_evaluator_placed_nowhere(client_for, admin_user, regions):
    data = create_data(regions, username="zhao", role=User.Role.EVALUATOR, regions=[])

    response = client_for(admin_user).post(reverse("accounts:user_create"), data)

    assert response.status_code == 302
    assert User.objects.get(username="zhao").regions.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"regions": []},
            "regions",
            "请至少选择一个所在区域：账号只能看到所在区域及其下级区域的记录。",
        ),
        ({"username": "xingning"}, "username", "用户名“xingning”已被使用。"),
        ({"username": "XingNing"}, "username", "用户名“XingNing”已被使用。"),
        ({"username": ""}, "username", "请填写用户名。"),
        ({"role": ""}, "role", "请选择角色。"),
        ({"password2": "something-else-entirely"}, "password2", "两次输入的密码不一致。"),
        ({"password1": "abc", "password2": "abc"}, "password1", "密码太短，至少需要 10 个字符。"),
        (
            {"password1": "12345678", "password2": "12345678"},
            "password1",
            "这个密码太常见，容易被猜到，请换一个。",
        ),
        (
            {"password1": "tongxin-demo", "password2": "tongxin-demo"},
            "password1",
            "不能使用公开的演示密码。",
        ),
        ({"password1": "", "password2": ""}, "password1", "请输入密码。"),
    ],
)
def test_it_rejects_bad_input_next_to_the_field(
    client_for, admin_user, xingning_user, regions, overrides, field, message
):
    data = create_data(regions, **overrides)

    response = client_for(admin_user).post(reverse("accounts:user_create"), data)

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors
    page = response.content.decode()
    assert f'data-field-error="{field}"' in page
    assert User.objects.count() == 2
    assert not user_entries().exists()


def test_it_edits_a_user_and_audits_old_and_new(client_for, admin_user, xingning_user, regions):
    data = edit_data(
        xingning_user,
        display_name="李明",
        regions=[regions["xingning"].pk, regions["qingxiu"].pk],
    )

    response = client_for(admin_user).post(
        reverse("accounts:user_edit", args=[xingning_user.pk]), data
    )

    assert response.status_code == 302
    xingning_user.refresh_from_db()
    assert xingning_user.display_name == "李明"
    assert set(xingning_user.regions.all()) == {regions["xingning"], regions["qingxiu"]}
    entry = user_entries().get(action="update")
    assert entry.object_id == str(xingning_user.pk)
    assert entry.changes == {
        "display_name": ["", "李明"],
        "regions": [["兴宁区"], ["兴宁区", "青秀区"]],
    }


def test_it_shows_the_edit_form(client_for, admin_user, xingning_user):
    response = client_for(admin_user).get(reverse("accounts:user_edit", args=[xingning_user.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "编辑用户：xingning" in page
    assert 'name="password1"' not in page


def test_it_changes_a_role(client_for, admin_user, xingning_user):
    data = edit_data(xingning_user, role=User.Role.CITY)

    response = client_for(admin_user).post(
        reverse("accounts:user_edit", args=[xingning_user.pk]), data
    )

    assert response.status_code == 302
    xingning_user.refresh_from_db()
    assert xingning_user.role == User.Role.CITY
    entry = user_entries().get(action="update")
    assert entry.changes["role"] == ["县区工作人员", "市级工作人员"]


def test_it_deactivates_a_user(client_for, admin_user, xingning_user):
    data = edit_data(xingning_user, is_active=None)

    response = client_for(admin_user).post(
        reverse("accounts:user_edit", args=[xingning_user.pk]), data
    )

    assert response.status_code == 302
    xingning_user.refresh_from_db()
    assert not xingning_user.is_active
    assert user_entries().get(action="update").changes == {"is_active": [True, False]}


def test_it_requires_a_region_for_county_staff_on_edit(client_for, admin_user, city_user, regions):
    data = edit_data(city_user, role=User.Role.COUNTY, regions=[])

    response = client_for(admin_user).post(reverse("accounts:user_edit", args=[city_user.pk]), data)

    assert response.status_code == 200
    assert (
        "请至少选择一个所在区域：账号只能看到所在区域及其下级区域的记录。"
        in response.context["form"].errors["regions"]
    )
    city_user.refresh_from_db()
    assert city_user.role == User.Role.CITY
    assert not user_entries().exists()


def test_it_stops_an_admin_locking_themselves_out(client_for, admin_user):
    data = edit_data(admin_user, role=User.Role.CITY, is_active=None)

    response = client_for(admin_user).post(
        reverse("accounts:user_edit", args=[admin_user.pk]), data
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "不能取消自己的系统管理员角色，请由其他管理员操作。" in errors["role"]
    assert "不能停用自己的账号。" in errors["is_active"]
    admin_user.refresh_from_db()
    assert admin_user.role == User.Role.ADMIN
    assert admin_user.is_active
    assert not user_entries().exists()


def test_it_resets_a_password_without_logging_it(client_for, admin_user, xingning_user):
    url = reverse("accounts:user_password", args=[xingning_user.pk])
    client = client_for(admin_user)
    assert "重设密码：xingning" in client.get(url).content.decode()

    response = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    xingning_user.refresh_from_db()
    assert xingning_user.check_password(NEW_PASSWORD)
    entry = user_entries().get(action="update")
    assert entry.changes == {
        "password": "已由管理员重设",
        "must_change_password": "下次登录须本人修改密码",
    }
    assert NEW_PASSWORD not in json.dumps(entry.changes)
    assert xingning_user.password not in json.dumps(entry.changes)


def test_it_keeps_an_admin_signed_in_after_resetting_their_own_password(client_for, admin_user):
    client = client_for(admin_user)
    url = reverse("accounts:user_password", args=[admin_user.pk])

    response = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    assert client.get(reverse("accounts:user_list")).status_code == 200


@pytest.mark.parametrize(
    ("password", "message"),
    [("Xingning-2026!", "密码不能包含用户名。"), ("Xing-ning-99", "密码与用户名太相似。")],
)
def test_it_validates_a_reset_password_against_the_user(
    client_for, admin_user, xingning_user, password, message
):
    url = reverse("accounts:user_password", args=[xingning_user.pk])

    response = client_for(admin_user).post(url, {"password1": password, "password2": password})

    assert response.status_code == 200
    assert response.context["form"].errors["password1"] == [message]
    xingning_user.refresh_from_db()
    assert xingning_user.check_password(PASSWORD)
    assert not user_entries().exists()


def test_it_answers_404_for_a_missing_user(client_for, admin_user):
    client = client_for(admin_user)
    assert client.get(reverse("accounts:user_edit", args=[9999])).status_code == 404
    assert client.get(reverse("accounts:user_password", args=[9999])).status_code == 404


def test_it_names_every_problem_at_once(client_for, admin_user, regions):
    data = create_data(regions, regions=[], password2="something-else-entirely")

    response = client_for(admin_user).post(reverse("accounts:user_create"), data)

    errors = response.context["form"].errors
    assert "请至少选择一个所在区域：账号只能看到所在区域及其下级区域的记录。" in errors["regions"]
    assert "两次输入的密码不一致。" in errors["password2"]
    page = response.content.decode()
    assert 'id="id_regions_error"' in page
    assert 'aria-describedby="id_password2_error"' in page
    assert not User.objects.filter(username="wang").exists()


def test_the_django_admin_manages_users_with_role_and_regions(client, xingning_user):
    root = User.objects.create_superuser(username="root", password="x-Root-Password-9")
    client.force_login(root, backend="tongxin.accounts.backends.TongxinBackend")

    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200
    # Accounts are created on tongxin's own page (test_django_admin.py).
    assert client.get(reverse("admin:accounts_user_add")).status_code == 403
    page = client.get(reverse("admin:accounts_user_change", args=[xingning_user.pk]))
    assert page.status_code == 200
    assert 'name="role"' in page.content.decode()
    assert 'name="regions"' in page.content.decode()
    delete_url = reverse("admin:accounts_user_delete", args=[xingning_user.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=xingning_user.pk).exists()
