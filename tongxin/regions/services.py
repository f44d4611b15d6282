from django.db import transaction

from tongxin.core import writes

from .models import Region

REGION_FIELDS = ["code", "name", "kind", "parent", "sort_order", "is_active"]


@transaction.atomic
def region_create(*, actor, data: dict, request=None) -> Region:
    region = Region(**{f: data[f] for f in REGION_FIELDS if f in data})
    return writes.create_audited(
        region, actor=actor, fields=REGION_FIELDS, request=request, region=region, clean=True
    )


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
