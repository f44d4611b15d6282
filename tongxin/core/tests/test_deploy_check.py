"""`manage.py check --deploy` passes with production settings (issue 7).

Production settings are what docs/deployment.md lists: TONGXIN_HTTPS=1, a
50-character TONGXIN_SECRET_KEY, neither TONGXIN_DEBUG nor TONGXIN_DEMO. The
check runs in a fresh process on a fresh, migrated data directory, exactly as
an operator would run it before the first start."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

MANAGE = str(settings.BASE_DIR / "manage.py")


def manage(data_dir, *args, **env) -> subprocess.CompletedProcess:
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TONGXIN_") and k != "DJANGO_SETTINGS_MODULE"
    }
    environ.update(TONGXIN_DATA_DIR=str(data_dir), **env)
    return subprocess.run(
        [sys.executable, "-W", "ignore", MANAGE, *args],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """(data_dir, env): a migrated empty production deployment."""
    data_dir = tmp_path_factory.mktemp("production")
    env = {"TONGXIN_HTTPS": "1", "TONGXIN_SECRET_KEY": secrets.token_urlsafe(50)[:50]}
    migrated = manage(data_dir, "migrate", "--noinput", "-v", "0", **env)
    assert migrated.returncode == 0, migrated.stderr
    return data_dir, env


def test_check_deploy_passes_in_production_settings(production):
    data_dir, env = production
    result = manage(data_dir, "check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_without_https(production):
    # The same deployment served over plain http is not production-ready:
    # no HSTS, no redirect, cookies not Secure.
    data_dir, env = production
    result = manage(
        data_dir,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        TONGXIN_SECRET_KEY=env["TONGXIN_SECRET_KEY"],
    )
    assert result.returncode != 0
    for code in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert code in result.stderr


def test_check_deploy_fails_with_a_weak_secret_key(production):
    data_dir, env = production
    result = manage(
        data_dir,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **{**env, "TONGXIN_SECRET_KEY": "short"},
    )
    assert result.returncode != 0
    assert "security.W009" in result.stderr
