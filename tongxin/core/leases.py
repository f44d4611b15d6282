"""Leases on background work that holds records, and recovery when the
process doing it has died (kill -9, power loss, the OOM killer).

An import marked "正在导入" blocks a new commit, undo and the erasure of
persons until it ends; a report job "生成中" blocks erasure. If the process
dies, nothing ends it. So the work holds a lease while it runs:

    with leases.held(batch):
        ...

A heartbeat thread pushes the lease's expiry forward every third of
TASK_LEASE_SECONDS. On SQLite the heartbeat cannot write while the import's
own transaction holds the database (one writer at a time), so a lease may
lapse while its process is busy writing; that is why expiry alone never
condemns a lease: its owner (host, boot id, pid and the pid's start time)
must also be gone. Another host's process cannot be looked at, so there
expiry alone decides — the heartbeat keeps such a lease fresh (PostgreSQL
takes the heartbeat's write at any time).

`recover_abandoned()` runs when the task worker starts and every
RECOVERY_INTERVAL seconds in it, when `tongxin serve` starts, and before
erasure checks; each app registers what "failed" means for its own model.
Platform code: no domain imports.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connections, models
from django.utils import timezone

from .models import TaskLease

logger = logging.getLogger(__name__)

RECOVERY_INTERVAL = 20  # seconds between recovery runs in the task worker

_recoverers: dict[str, Callable[[int], None]] = {}


def lease_seconds() -> int:
    return int(getattr(settings, "TASK_LEASE_SECONDS", 30))


def register(model: type[models.Model], recover: Callable[[int], None]) -> None:
    """`recover(pk)` marks the model's abandoned work failed (a service, with history)."""
    _recoverers[model._meta.label_lower] = recover


def lease_key(obj: models.Model) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}"


# --- who holds a lease ------------------------------------------------------------


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _start_ticks(pid: int) -> str | None:
    """The process's start time since boot (field 22 of /proc/PID/stat); None if no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    return stat.rsplit(")", 1)[1].split()[19]


def this_process() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{_boot_id()}:{pid}:{_start_ticks(pid) or ''}"


def owner_alive(owner: str) -> bool | None:
    """True/False for a process on this machine; None when it cannot be told (another host)."""
    try:
        host, boot, pid, ticks = owner.rsplit(":", 3)
    except ValueError:
        return None
    if host != socket.gethostname():
        return None
    if boot and boot != _boot_id():
        return False  # the machine restarted since
    try:
        running = _start_ticks(int(pid))
    except ValueError:
        return None
    if running is None:
        return False
    return not ticks or running == ticks  # a reused pid started at another time


# --- holding one ----------------------------------------------------------------------


def _expiry() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=lease_seconds())


@contextmanager
def held(obj: models.Model) -> Iterator[TaskLease]:
    """Hold a lease on `obj` while the block runs; must be entered outside a transaction
    (the lease must be visible to other processes while the work runs)."""
    key = lease_key(obj)
    lease, _created = TaskLease.objects.update_or_create(
        key=key,
        defaults={"owner": this_process(), "taken_at": timezone.now(), "expires_at": _expiry()},
    )
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(lease.pk, stop), daemon=True,
                            name=f"lease {key}")  # fmt: skip
    beat.start()
    try:
        yield lease
    finally:
        stop.set()
        beat.join(timeout=5)
        TaskLease.objects.filter(pk=lease.pk).delete()


def _heartbeat(lease_id: int, stop: threading.Event) -> None:
    try:
        while not stop.wait(lease_seconds() / 3):
            try:
                TaskLease.objects.filter(pk=lease_id).update(expires_at=_expiry())
            except Exception:  # SQLite busy with the work's own transaction
                logger.debug("lease heartbeat skipped", exc_info=True)
    finally:
        connections.close_all()  # this thread's own connections


# --- recovery --------------------------------------------------------------------------


def recover_abandoned(*, now: datetime.datetime | None = None) -> list[str]:
    """Mark failed the work whose lease lapsed and whose process is gone; returns the keys."""
    now = now or timezone.now()
    recovered = []
    for lease in TaskLease.objects.filter(expires_at__lt=now).order_by("pk"):
        if owner_alive(lease.owner):
            continue
        label, _sep, pk = lease.key.rpartition(":")
        recover = _recoverers.get(label)
        if recover is not None:
            recover(int(pk))
            logger.warning("recovered abandoned work %s (process %s)", lease.key, lease.owner)
        TaskLease.objects.filter(pk=lease.pk, owner=lease.owner).delete()
        recovered.append(lease.key)
    return recovered


@contextmanager
def recovering(interval: float = RECOVERY_INTERVAL) -> Iterator[None]:
    """Recover every `interval` seconds in a daemon thread while the block runs (the task worker)."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            try:
                recover_abandoned()
            except Exception:  # keep trying; the worker must not die of it
                logger.exception("lease recovery failed")
            finally:
                connections.close_all()

    thread = threading.Thread(target=loop, daemon=True, name="lease recovery")
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
