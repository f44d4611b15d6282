"""`tongxin demo_accounts_disable`: before a former demo deployment goes into production."""

from django.core.management.base import BaseCommand

from tongxin.accounts.services import demo_accounts_disable


class Command(BaseCommand):
    help = "停用演示账号，并作废所有仍在使用公开演示密码的账号的密码（账号保留，记入审计日志）。"

    def handle(self, *args, **options):
        changed = demo_accounts_disable()
        if changed:
            self.stdout.write(f"已处理 {len(changed)} 个账号：{'、'.join(changed)}")
        else:
            self.stdout.write("没有启用的演示账号，也没有账号使用演示密码。")
