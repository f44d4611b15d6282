"""Production refuses to start with the demo accounts or the demo password."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError

from tongxin.accounts.checks import check_demo_accounts, demo_accounts_problem
from tongxin.accounts.models import User
from tongxin.audit.models import AuditEntry
from tongxin.conftest import PASSWORD
from tongxin.core.management.commands.serve import check_ready_to_serve

MESSAGE = "生产模式下不能保留演示账号或演示密码"


@pytest.fixture
def production(db, settings, tmp_path):
    """Production mode, with collected static files so only the accounts can stop serve."""
    settings.DEBUG, settings.DEMO = False, False
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STATIC_ROOT.mkdir()
    (settings.STATIC_ROOT / "staticfiles.json").write_text("{}")
    return settings


def demo() -> None:
    call_command("demo", persons=0, stdout=io.StringIO())


def test_the_demo_command_marks_its_accounts(db):
    User.objects.create_user(username="wang", password=PASSWORD)
    demo()
    flagged = set(User.objects.filter(is_demo_account=True).values_list("username", flat=True))
    assert flagged == {
        "admin", "province", "city", "liuzhou", "xingning", "jiedao", "leader", "evaluator"
    }  # fmt: skip
    assert not User.objects.filter(must_change_password=True).exists()


def test_no_problem_without_demo_accounts(production, xingning_user):
    assert demo_accounts_problem() is None
    check_ready_to_serve()
    assert check_demo_accounts() == []


def test_it_names_the_active_demo_accounts(production):
    demo()
    User.objects.filter(username="city").update(is_active=False)
    User.objects.filter(is_demo_account=True).update(password="!unusable")

    problem = demo_accounts_problem()

    assert problem.startswith(MESSAGE)
    assert (
        "演示账号 admin、evaluator、jiedao、leader、liuzhou、province、xingning 仍处于启用状态"
        in problem
    )
    assert "演示密码" in problem and "tongxin demo_accounts_disable" in problem


def test_it_finds_any_account_with_the_demo_password(production, xingning_user, city_user):
    xingning_user.set_password(production.DEMO_PASSWORD)
    xingning_user.save(update_fields=["password"])

    problem = demo_accounts_problem()

    assert "账号 xingning 的密码是公开的演示密码" in problem
    assert "city" not in problem


def test_serve_refuses_to_start_in_production(production):
    demo()
    with pytest.raises(CommandError, match=MESSAGE) as info:
        call_command("serve")
    assert info.value.returncode == 1


def test_check_deploy_fails_in_production(production):
    demo()
    with pytest.raises(SystemCheckError, match="tongxin.E001"):
        call_command("check", deploy=True, stdout=io.StringIO(), stderr=io.StringIO())
    (error,) = check_demo_accounts()
    assert error.id == "tongxin.E001" and MESSAGE in error.msg


def test_the_demo_still_starts(production):
    production.DEMO = True
    demo()

    check_ready_to_serve()  # no CommandError: serve goes on to start
    assert check_demo_accounts() == []


def test_disabling_the_demo_accounts_lets_production_start(production, xingning_user):
    demo()
    User.objects.create_user(username="wang", password=production.DEMO_PASSWORD)
    out = io.StringIO()

    call_command("demo_accounts_disable", stdout=out)

    # Seven demo accounts (xingning existed before the demo) and wang.
    assert "已处理 8 个账号" in out.getvalue()
    assert demo_accounts_problem() is None
    check_ready_to_serve()
    admin = User.objects.get(username="admin")
    assert not admin.is_active and not admin.has_usable_password()
    wang = User.objects.get(username="wang")
    assert wang.is_active and not wang.has_usable_password()
    xingning_user.refresh_from_db()
    assert xingning_user.check_password(PASSWORD)
    entry = AuditEntry.objects.get(object_id=str(admin.pk), action="update")
    assert entry.changes == {
        "is_active": [True, False],
        "password": "演示密码已作废，须由管理员重设",
    }
    assert entry.username == "tongxin demo_accounts_disable"
