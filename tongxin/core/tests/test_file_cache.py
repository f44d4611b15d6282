"""The one-machine cache (core/file_cache.py): culled with care."""

import time

import pytest

from tongxin.core import file_cache
from tongxin.core.file_cache import DurableFileBasedCache


@pytest.fixture
def small_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(file_cache, "CULL_EVERY", 1)
    return DurableFileBasedCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 10}})


def test_a_cull_never_removes_an_entry_kept_without_expiry(small_cache):
    small_cache.set("scope:version", 7, None)
    small_cache.set("figures:epoch", 3, None)
    for n in range(200):
        small_cache.set(f"figure:{n}", n, 600)

    assert small_cache.get("scope:version") == 7
    assert small_cache.get("figures:epoch") == 3
    assert len(small_cache._list_cache_files()) <= 12


def test_a_cull_removes_the_expired_entries_before_any_other(small_cache, monkeypatch):
    for n in range(6):
        small_cache.set(f"old:{n}", n, 1)
    for n in range(4):
        small_cache.set(f"live:{n}", n, 600)
    later = time.time() + 5
    monkeypatch.setattr(file_cache.time, "time", lambda: later)

    small_cache.set("new", 1, 600)  # the 11th entry: a cull

    assert [small_cache.has_key(f"live:{n}") for n in range(4)] == [True] * 4
    assert len(small_cache._list_cache_files()) == 5


def test_the_directory_is_listed_once_every_cull_every_writes(tmp_path, monkeypatch):
    cache = DurableFileBasedCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 5000}})
    listed = []
    real = cache._list_cache_files
    monkeypatch.setattr(cache, "_list_cache_files", lambda: listed.append(1) or real())

    for n in range(2 * file_cache.CULL_EVERY):
        cache.set(f"k{n}", n, 600)

    assert len(listed) == 2
