"""Production must not run with the demo accounts or the published demo password.

`tongxin serve` refuses to start (core/management/commands/serve.py) and
`manage.py check --deploy` fails with tongxin.E001 while demo_accounts_problem()
finds something.
"""

from django.core import checks
from django.db import DatabaseError

from .backends import demo_passwords_allowed


def demo_accounts_problem() -> str | None:
    """What is wrong, in Chinese, if a demo account is active or any active
    account has the demo password; None if neither. Reads the database."""
    from .models import User
    from .services import demo_password_users

    demo_accounts = list(
        User.objects.filter(is_active=True, is_demo_account=True)
        .order_by("username")
        .values_list("username", flat=True)
    )
    demo_password = [user.username for user in demo_password_users()]
    if not demo_accounts and not demo_password:
        return None
    found = []
    if demo_accounts:
        found.append(f"演示账号 {'、'.join(demo_accounts)} 仍处于启用状态")
    if demo_password:
        found.append(f"账号 {'、'.join(demo_password)} 的密码是公开的演示密码")
    return (
        "生产模式下不能保留演示账号或演示密码：" + "；".join(found) + "。"
        "请运行 `tongxin demo_accounts_disable` 停用演示账号并作废演示密码"
        "（账号保留，审计日志不受影响），再用 `tongxin createsuperuser` 创建自己的管理员账号；"
        "若确实是演示环境，请设置 TONGXIN_DEMO=1。"
    )


def serve_check() -> str | None:
    """`tongxin serve` refuses to start in production (not demo, not
    development) while demo accounts or passwords remain (core/registries.py)."""
    if demo_passwords_allowed():
        return None
    return demo_accounts_problem()


# Tagged deploy, not run on every command: `tongxin migrate` (on an empty
# database) and `tongxin demo_accounts_disable` (the fix) must still work.
@checks.register(checks.Tags.security, deploy=True)
def check_demo_accounts(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if demo_passwords_allowed():
        return []
    try:
        problem = demo_accounts_problem()
    except DatabaseError:
        return [
            checks.Warning(
                "无法读取用户表，未能检查演示账号；请先运行 `tongxin migrate`。",
                id="tongxin.W001",
            )
        ]
    if problem:
        return [checks.Error(problem, id="tongxin.E001")]
    return []
