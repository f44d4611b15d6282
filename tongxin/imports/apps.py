from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "tongxin.imports"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "导入"

    def ready(self):
        from tongxin.core import leases, registries

        from . import pii_records
        from .batches import import_batch_recover
        from .models import ImportBatch, PhotoBatch
        from .photos import photo_batch_recover
        from .retention import serve_purge

        leases.register(ImportBatch, import_batch_recover)
        leases.register(PhotoBatch, photo_batch_recover)
        registries.serve_purges.register(serve_purge)
        # Undo data keeps overwritten identifiers encrypted (core/pii_rotation.py).
        registries.encrypted_extras.register(pii_records.ENCRYPTED_PREVIOUS)
