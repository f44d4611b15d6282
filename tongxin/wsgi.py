import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")
application = get_wsgi_application()

# Import every view and compile every template now, before the first request
# (core/warmup.py): the first page after a start cost 0.6–1.1 s otherwise.
from tongxin.core.warmup import warm_process  # noqa: E402

warm_process()
