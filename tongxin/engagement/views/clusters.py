"""Clusters (界别/群体): their pages (`pages`) and what their detail page shows."""

from django.urls import reverse

from .. import access, services
from ..models import RecordStatus
from .common import restrict_persons
from .pages import GroupPages


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


# --- the clusters pages --------------------------------------------------------------------

pages = GroupPages("clusters", extra=_cluster_extra)
