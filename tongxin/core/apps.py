from django.apps import AppConfig


def _history_written(sender, **kwargs):
    from .tasks import figures_changed

    figures_changed()


class CoreConfig(AppConfig):
    name = "tongxin.core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.core import checks
        from simple_history.signals import post_create_historical_record

        from . import registries
        from .checks import check_object_storage, check_object_storage_reachable, check_scale_out
        from .storage import object_storage_problem

        checks.register(check_scale_out, checks.Tags.compatibility, deploy=False)
        checks.register(check_object_storage, checks.Tags.compatibility, deploy=False)
        checks.register(check_object_storage_reachable, checks.Tags.compatibility, deploy=True)
        # Serving with a bucket that cannot be reached would fail at the first upload.
        registries.serve_checks.register(object_storage_problem)

        # Every change worth recounting writes a history row (the figures' cache
        # keys are made of the newest history ids); bulk inserts call
        # figures_changed themselves, as they write history without signals.
        post_create_historical_record.connect(_history_written)
