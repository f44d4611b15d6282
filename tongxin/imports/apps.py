from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "tongxin.imports"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "导入"

    def ready(self):
        from tongxin.core import leases

        from .models import ImportBatch, PhotoBatch
        from .photos import photo_batch_recover
        from .services import import_batch_recover

        leases.register(ImportBatch, import_batch_recover)
        leases.register(PhotoBatch, photo_batch_recover)
