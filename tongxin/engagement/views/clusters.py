"""Clusters (界别/群体): the named pages."""

from django.urls import reverse

from .. import access, services
from ..models import RecordStatus
from . import participants, records
from .common import restrict_persons


def _cluster_extra(request, cluster):
    rows = restrict_persons(
        request.user, cluster.memberships.select_related("person", "person__region")
    )
    return {
        "memberships": rows.order_by("id")[:200],
        "membership_count": rows.count(),
        "batches": list(services.batches_to_undo(cluster).select_related("added_by")[:5]),
        "organisations": access.organisations_visible_to(request.user).filter(
            cluster=cluster, status=RecordStatus.ACTIVE
        ),
        "bulk_url": reverse("engagement:clusters_add_persons", args=[cluster.pk]),
    }


# --- the clusters pages: the generic machinery with this type's slug -----------------------------


def cluster_list(request):
    return records.record_list(request, "clusters")


def cluster_create(request):
    return records.record_create(request, "clusters")


def cluster_detail(request, pk: int):
    return records.record_detail(request, "clusters", pk, extra=_cluster_extra)


def cluster_edit(request, pk: int):
    return records.record_edit(request, "clusters", pk)


def cluster_cancel(request, pk: int):
    return records.record_cancel(request, "clusters", pk)


def cluster_withdraw(request, pk: int, row_pk: int):
    return participants.person_withdraw(request, "clusters", pk, row_pk)


def cluster_add_persons(request, pk: int):
    return participants.add_persons(request, "clusters", pk)


def cluster_withdraw_chosen(request, pk: int):
    return participants.withdraw_chosen(request, "clusters", pk)
