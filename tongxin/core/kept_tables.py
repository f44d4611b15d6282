"""Small tables that every page reads, kept in each process's memory.

The person list shows, on every request, the regions of the user's scope and
the person groups and sub-categories (the filter bar's choices and each row's
labels). Read from the database that is six queries of a few dozen rows each,
six of the list page's ten (docs/benchmarks.md, issue 16). They change a few
times a year, so each process keeps them, under a token in the shared cache:
a change anywhere deletes the token, and every process reads the table again
the next time it asks.

A token rather than a counter: when the shared cache is emptied (a restart of
the cache server, `cache.clear()` in tests), a counter would start again at a
number a process may still hold rows for; a new random token never matches.
"""

import threading
import uuid

from django.core.cache import cache
from django.db import transaction

_kept: dict[str, tuple[str, list]] = {}
_lock = threading.Lock()


def _token_key(name: str) -> str:
    return f"kept-table:{name}"


def _current_token(name: str) -> str:
    key = _token_key(name)
    token = cache.get(key)
    if token is None:
        cache.add(key, uuid.uuid4().hex, None)
        token = cache.get(key)
    return token


def kept_rows(name: str, load) -> list:
    """`list(load())`, or what it returned before in this process if the
    table `name` has not changed since. The rows are shared between requests:
    read them, never change them."""
    token = _current_token(name)
    kept = _kept.get(name)
    if kept is not None and kept[0] == token:
        return kept[1]
    rows = list(load())
    with _lock:
        _kept[name] = (token, rows)
    return rows


def table_changed(name: str) -> None:
    """Every process reads `name` again. Now, so that this transaction reads
    its own change, and after commit, so that no process keeps rows it read
    from before the commit under a token made in between."""
    key = _token_key(name)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def forget_on_change(name: str, *models) -> None:
    """Call `table_changed(name)` whenever a row of `models` is saved or deleted."""
    from django.db.models.signals import post_delete, post_save

    def changed(**_ignored):
        table_changed(name)

    for model in models:
        for signal in (post_save, post_delete):
            signal.connect(
                changed,
                sender=model,
                weak=False,
                dispatch_uid=f"kept-table:{name}:{model._meta.label}:{signal is post_save}",
            )
