from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tongxin.accounts"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "用户与角色"

    def ready(self):
        from . import checks  # noqa: F401  registers the deploy check
