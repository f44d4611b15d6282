from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "tongxin.regions"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "区域"

    def ready(self):
        # Kept scopes (scope.placement_scope) are forgotten whenever any
        # account's placement changes, however it is changed (services, the
        # admin, a fixture's `.set()`): the one place a signal does what a
        # service call cannot promise.
        from django.contrib.auth import get_user_model
        from django.db.models.signals import m2m_changed

        from .versions import placements_changed

        m2m_changed.connect(
            placements_changed,
            sender=get_user_model().regions.through,
            dispatch_uid="tongxin.regions.placements_changed",
        )
