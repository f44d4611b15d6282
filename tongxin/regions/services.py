from django.db import transaction

from tongxin.core import registries, writes
from tongxin.core.changes import initial_values

from .models import Region

REGION_FIELDS = ["code", "name", "kind", "parent", "sort_order", "is_active"]


@transaction.atomic
def region_create(*, actor, data: dict, request=None) -> Region:
    region = Region(**{f: data[f] for f in REGION_FIELDS if f in data})
    region.full_clean()
    region.save(force_insert=True)
    # regions sits below audit (whose entries are region-scoped), so its
    # entries go through the platform's audit writer (core/registries.py).
    registries.audit(
        action="create",
        user=actor,
        request=request,
        obj=region,
        region=region,
        changes=initial_values(region, REGION_FIELDS),
    )
    return region


@transaction.atomic
def region_update(*, actor, region: Region, data: dict, request=None) -> Region:
    """Change a region. Regions are never deleted: persons and users refer to them."""
    current = writes.lock(Region, region.pk)
    return writes.update_audited(
        current,
        {f: data[f] for f in REGION_FIELDS if f in data},
        actor=actor,
        request=request,
        region=current,
        clean=True,
    )
