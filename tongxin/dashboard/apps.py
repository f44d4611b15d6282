from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The home page. It sits above the domain apps (it reads people and
    levels); each app adds its own boxes through the `home_cards` hook."""

    name = "tongxin.dashboard"
    verbose_name = "首页"
