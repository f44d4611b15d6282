"""Leases on running work and recovery when their process is gone (core/leases.py)."""

import datetime
import os
import socket
import time

import pytest
from django.utils import timezone

from tongxin.core import leases
from tongxin.core.models import TaskLease

pytestmark = pytest.mark.django_db


def dead_owner() -> str:
    # pid_max is at most 2**22 on Linux: this pid never exists.
    return f"{socket.gethostname()}:{leases._boot_id()}:{2**22 + 1}:123"


def test_it_tells_live_processes_from_dead_ones():
    assert leases.owner_alive(leases.this_process()) is True
    assert leases.owner_alive(dead_owner()) is False
    host, boot, pid, ticks = leases.this_process().rsplit(":", 3)
    assert leases.owner_alive(f"{host}:{boot}:{pid}:{int(ticks) + 1}") is False  # pid reused
    assert leases.owner_alive(f"{host}:another-boot:{pid}:{ticks}") is False  # rebooted since
    assert leases.owner_alive(f"elsewhere:{boot}:{pid}:{ticks}") is None


def test_only_a_lapsed_lease_of_a_dead_process_is_recovered(regions):
    recovered = []
    leases._recoverers["regions.region"] = recovered.append
    past = timezone.now() - datetime.timedelta(seconds=1)
    future = timezone.now() + datetime.timedelta(minutes=1)
    pk = regions["city"].pk
    TaskLease.objects.create(key=f"regions.region:{pk}", owner=dead_owner(), taken_at=past,
                             expires_at=past)  # fmt: skip
    TaskLease.objects.create(key="regions.region:-1", owner=leases.this_process(), taken_at=past,
                             expires_at=past)  # fmt: skip
    TaskLease.objects.create(key="regions.region:-2", owner=dead_owner(), taken_at=past,
                             expires_at=future)  # fmt: skip
    try:
        assert leases.recover_abandoned() == [f"regions.region:{pk}"]
    finally:
        del leases._recoverers["regions.region"]
    assert recovered == [pk]
    assert set(TaskLease.objects.values_list("key", flat=True)) == {
        "regions.region:-1",
        "regions.region:-2",
    }


def test_a_held_lease_is_renewed_and_released(regions, settings):
    settings.TASK_LEASE_SECONDS = 60
    with leases.held(regions["city"]) as lease:
        row = TaskLease.objects.get()
        assert row.key == f"regions.region:{regions['city'].pk}"
        assert row.owner == leases.this_process() and str(os.getpid()) in row.owner
        assert row.expires_at > timezone.now() + datetime.timedelta(seconds=50)
        assert lease.pk == row.pk
    assert not TaskLease.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_keeps_recovering_while_it_runs(regions):
    """`recovering` (around db_worker's loop) finds a lease that lapses after the worker started."""
    recovered = []
    leases._recoverers["regions.region"] = recovered.append
    past = timezone.now() - datetime.timedelta(seconds=1)
    try:
        with leases.recovering(interval=0.1):
            TaskLease.objects.create(key=f"regions.region:{regions['city'].pk}",
                                     owner=dead_owner(), taken_at=past, expires_at=past)  # fmt: skip
            for _ in range(50):
                if recovered:
                    break
                time.sleep(0.1)
    finally:
        del leases._recoverers["regions.region"]
    assert recovered == [regions["city"].pk]
    assert not TaskLease.objects.exists()
