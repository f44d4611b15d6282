from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tongxin.accounts"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "用户与角色"

    def ready(self):
        from tongxin.core import registries

        from . import checks  # registers the deploy check

        registries.serve_checks.register(checks.serve_check)

        from tongxin.audit.readers import register_reader_rule

        from .access import managed_accounts_entries

        register_reader_rule(managed_accounts_entries)
