from django.apps import AppConfig
from django.db.models.signals import post_save


def _person_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    from .services import person_pairs_refresh

    person_pairs_refresh(person=instance)


class DedupeConfig(AppConfig):
    name = "tongxin.dedupe"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "查重与合并"

    def ready(self):
        from tongxin.people.models import Person

        # The brief's one place for a signal: keys and pairs follow every
        # saved person, whichever app saved it. Rows written otherwise are
        # caught up by services.keys_refresh before every full run.
        post_save.connect(_person_saved, sender=Person, dispatch_uid="dedupe_person_saved")

        from tongxin.people.listing import ListFilter, register_list_filter

        from .freshness import STALE_LABEL, persons_stale

        register_list_filter("stale", ListFilter(label=STALE_LABEL, apply=persons_stale))
