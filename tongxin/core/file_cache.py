"""The one-machine cache: Django's file cache, culled with care.

Django's FileBasedCache has two habits that matter here (docs/decisions.md,
"The one-machine cache"):

- Every `set` lists the whole cache directory to decide whether to cull:
  0.3 ms a set at 100 entries, 6.6 ms at 4,900 (MAX_ENTRIES is 5,000), and a
  page that remembers five figures after a change pays it five times.
- Past MAX_ENTRIES it deletes a third of the files at random, expired or not,
  including the entries stored without expiry. Two of those must never
  disappear while entries kept under an older number remain:
  `scope:version` (regions/versions.py) and `figures:epoch`
  (core/versioned_cache.py). Fallen back to 0, they would serve a scope or a
  figure kept under 0 an hour ago: a user moved to another region could see
  the old one's persons again.

Here the directory is looked at every CULL_EVERY writes of a process; a cull
removes the expired entries first, and only if that is not enough a random
share of the others — never one stored without expiry.
"""

from __future__ import annotations

import itertools
import pickle
import random
import time

from django.core.cache.backends.filebased import FileBasedCache

CULL_EVERY = 50  # writes of one process between two looks at the directory


class DurableFileBasedCache(FileBasedCache):
    def __init__(self, dir, params):
        super().__init__(dir, params)
        self._writes = itertools.count()

    def _cull(self) -> None:
        if next(self._writes) % CULL_EVERY:
            return
        names = self._list_cache_files()
        if len(names) < self._max_entries:
            return
        now = time.time()
        durable, others = 0, []
        for name in names:
            expiry = _expiry(name)
            if expiry is _GONE:  # removed by another process meanwhile
                continue
            if expiry is None:
                durable += 1
            elif expiry < now:
                self._delete(name)
            else:
                others.append(name)
        if durable + len(others) < self._max_entries or not others:
            return
        share = len(others) if self._cull_frequency == 0 else len(others) // self._cull_frequency
        for name in random.sample(others, share):
            self._delete(name)


_GONE = object()


def _expiry(name: str):
    """The expiry time a cache file starts with (None: kept without expiry);
    0 for a file that cannot be read as one, _GONE for a file no longer there."""
    try:
        with open(name, "rb") as handle:
            return pickle.load(handle)
    except FileNotFoundError:
        return _GONE
    except (EOFError, pickle.UnpicklingError, OSError, ValueError):
        return 0
