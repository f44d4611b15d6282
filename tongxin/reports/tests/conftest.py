"""Report tests write their files under a temporary DATA_DIR and MEDIA_ROOT (the
root conftest) and run tasks inline."""

import pytest


@pytest.fixture(autouse=True)
def _reports_settings(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
