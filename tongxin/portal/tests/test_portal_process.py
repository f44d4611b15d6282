"""`tongxin serve --portal`: a web process that answers only the persons' pages."""

import io
import os
import subprocess
import sys

import pytest
from django.core.management import call_command

from tongxin.core.management.commands import serve
from tongxin.core.management.commands.serve import run_together

PROBE = """
import django
django.setup()
from django.conf import settings
from django.urls import Resolver404, resolve
print(settings.ROOT_URLCONF)
print("second factor" if "tongxin.mfa.middleware.SecondFactorMiddleware" in settings.MIDDLEWARE else "no staff login")
for path in ("/p/", "/p/l/abc/", "/login/", "/persons/", "/portal/links/", "/django-admin/"):
    try:
        resolve(path)
        print(path, "found")
    except Resolver404:
        print(path, "404")
"""


def _probe(**env) -> str:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tongxin.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


def test_the_portal_only_setting_leaves_only_the_persons_pages():
    lines = _probe(TONGXIN_PORTAL_ONLY="1", TONGXIN_ALLOW_INSECURE_KEY="1").splitlines()
    assert lines == [
        "tongxin.portal.root_urls",
        "no staff login",
        "/p/ found",
        "/p/l/abc/ found",
        "/login/ 404",
        "/persons/ 404",
        "/portal/links/ 404",
        "/django-admin/ 404",
    ]
    staff = _probe(TONGXIN_ALLOW_INSECURE_KEY="1").splitlines()
    assert staff[:2] == ["tongxin.urls", "second factor"] and "/login/ found" in staff


def test_run_together_hands_the_extra_environment_to_the_children():
    child = "import os, sys; sys.exit(7 if os.environ.get('TONGXIN_PORTAL_ONLY') == '1' else 5)"
    code = run_together(
        [("web", [sys.executable, "-c", child])],
        stderr=io.StringIO(),
        env={"TONGXIN_PORTAL_ONLY": "1"},
    )
    assert code == 7


@pytest.mark.django_db
def test_serve_portal_starts_one_web_process_with_the_portal_only_setting(monkeypatch):
    started = {}

    def record(commands, *, stderr, env=None):
        # The child processes themselves are tested above and in core's tests.
        started.update(commands=commands, env=env)
        return 0

    monkeypatch.setattr(serve, "check_ready_to_serve", lambda: None)
    monkeypatch.setattr(serve, "run_together", record)
    out = io.StringIO()
    call_command("serve", "--portal", "--port", "8100", stdout=out)
    assert started["env"] == {"TONGXIN_PORTAL_ONLY": "1"}
    ((name, command),) = started["commands"]
    assert "gunicorn" in command and "tongxin.wsgi:application" in command
    assert "db_worker" not in " ".join(command)
    assert "仅 /p/ 路径" in out.getvalue()
