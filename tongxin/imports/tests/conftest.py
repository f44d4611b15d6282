import pytest


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    """Uploads are read by a task (imports/tasks.py); here it runs inside the request.
    Tests of the real worker set the database backend themselves."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
