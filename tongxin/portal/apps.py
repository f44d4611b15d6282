from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "tongxin.portal"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "本人信息与诉求"
