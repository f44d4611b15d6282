"""Settings for several servers (issue 23): the cache and the files by
environment, and the check that refuses per-machine keys (core/checks.py)."""

import json
import os
import subprocess
import sys

import pytest

from tongxin.core.checks import check_scale_out


def _settings_in_child(**env) -> dict:
    """CACHES, MEDIA_ROOT and the replica as tongxin/settings.py makes them from `env`."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TONGXIN_")}
    environ.update(TONGXIN_ALLOW_INSECURE_KEY="1", **env)
    code = (
        "import json, tongxin.settings as s; print(json.dumps({"
        "'cache': s.CACHES['default'], 'media': str(s.MEDIA_ROOT), "
        "'replica': s.DATABASES['replica'], 'enabled': s.REPLICA_ENABLED}, default=str))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, check=False
    )
    if out.returncode:
        return {"error": out.stderr}
    return json.loads(out.stdout)


def test_without_environment_one_machine_keeps_its_file_cache(tmp_path):
    got = _settings_in_child(TONGXIN_DATA_DIR=str(tmp_path))
    # Culled without losing scope:version and figures:epoch (core/file_cache.py)
    assert got["cache"]["BACKEND"] == "tongxin.core.file_cache.DurableFileBasedCache"
    assert got["cache"]["LOCATION"] == str(tmp_path / "cache")
    assert got["media"] == str(tmp_path / "media")
    assert got["enabled"] is False


def test_the_environment_names_the_shared_cache_files_and_replica(tmp_path):
    got = _settings_in_child(
        TONGXIN_DATA_DIR=str(tmp_path),
        TONGXIN_CACHE_URL="redis://cache.example:6379/2",
        TONGXIN_MEDIA_DIR="/srv/shared/media",
        TONGXIN_DATABASE_URL="postgres://app@db1:5432/tongxin",
        TONGXIN_REPLICA_URL="postgres://app@db2:5432/tongxin",
    )
    assert got["cache"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert got["cache"]["LOCATION"] == "redis://cache.example:6379/2"
    assert got["media"] == "/srv/shared/media"
    assert got["enabled"] is True
    assert got["replica"]["HOST"] == "db2" and got["replica"]["TEST"] == {"MIRROR": "default"}

    database = _settings_in_child(TONGXIN_DATA_DIR=str(tmp_path), TONGXIN_CACHE_URL="db://")
    assert database["cache"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    wrong = _settings_in_child(TONGXIN_DATA_DIR=str(tmp_path), TONGXIN_CACHE_URL="memcached://x")
    assert "TONGXIN_CACHE_URL" in wrong["error"]


def _ids(environ) -> set[str]:
    return {problem.id for problem in check_scale_out(environ=environ)}


def test_one_machine_needs_nothing_shared():
    assert _ids({}) == set()


@pytest.mark.parametrize(
    "shared", ["TONGXIN_CACHE_URL", "TONGXIN_REPLICA_URL", "TONGXIN_MEDIA_DIR"]
)
def test_several_servers_must_share_their_keys(shared, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {
        "default": {
            "BACKEND": "tongxin.core.file_cache.DurableFileBasedCache",
            "LOCATION": tmp_path / "cache",
        }
    }
    assert _ids({shared: "x"}) == {"tongxin.E201", "tongxin.E202", "tongxin.W203", "tongxin.W204"}


def test_a_shared_setup_passes(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "shared" / "media"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}
    environ = {
        "TONGXIN_CACHE_URL": "redis://cache:6379/0",
        "TONGXIN_MEDIA_DIR": str(settings.MEDIA_ROOT),
        "TONGXIN_SECRET_KEY": "k" * 50,
        "TONGXIN_PII_KEY_FILE": "/srv/shared/keys/pii_keys.json",
    }
    assert _ids(environ) == set()
    del environ["TONGXIN_PII_KEY_FILE"]
    messages = [p.msg for p in check_scale_out(environ=environ)]
    assert len(messages) == 1 and "TONGXIN_PII_KEY" in messages[0]
