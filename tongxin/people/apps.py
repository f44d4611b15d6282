from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "tongxin.people"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "代表人士"
