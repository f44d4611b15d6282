"""Column mappings remembered per header layout (issue #17).

When a user commits an import, the mapping they confirmed is kept for the
batch's office under a hash of the normalised header row; the next upload
with the same header starts from it (import_batch_read) and the mapping page
says so. The key is the office (ImportBatch.region), not the user: colleagues
in one office share their old roster's layout, and one county's choices do not
reach another's.
"""

from __future__ import annotations

import hashlib
import json

from django.db import transaction

from tongxin.core import writes

from .models import ImportBatch, RememberedMapping
from .parsing import normalise_header
from .validation import IMPORTABLE_FIELDS

REMEMBERED_NOTICE = "已按上次相同表头的对应关系填好"


def header_hash(columns: list) -> str:
    """The same for headers that differ only in spaces, width, case or (说明)."""
    normalised = [normalise_header(c) for c in columns]
    return hashlib.sha256(json.dumps(normalised, ensure_ascii=False).encode()).hexdigest()


def remembered_mapping(*, region, columns: list) -> dict[int, str] | None:
    """The mapping last committed in `region`'s office for this header, or None."""
    if not columns:
        return None
    found = (
        RememberedMapping.objects.filter(region=region, header_hash=header_hash(columns))
        .values_list("mapping", flat=True)
        .first()
    )
    if not found:
        return None
    mapping = {
        int(index): name
        for index, name in found.items()
        if name in IMPORTABLE_FIELDS and int(index) < len(columns)
    }
    return mapping or None


def batch_mapping_is_remembered(batch: ImportBatch) -> bool:
    """Whether the batch's current mapping is the one remembered for its header."""
    remembered = remembered_mapping(region=batch.region, columns=batch.columns)
    return remembered is not None and {str(i): f for i, f in remembered.items()} == batch.mapping


def column_mapping_remember(*, batch: ImportBatch, actor) -> RememberedMapping:
    """Keep `batch`'s committed mapping for its header layout (inside the commit's
    transaction: a commit that fails remembers nothing). Not audited on its own:
    the mapping is part of the batch, whose commit is."""
    key = header_hash(batch.columns)
    with transaction.atomic():
        existing = writes.locked(
            RememberedMapping.objects.filter(region=batch.region, header_hash=key)
        ).first()
        if existing is None:
            return RememberedMapping.objects.create(
                region=batch.region,
                header_hash=key,
                columns=batch.columns,
                mapping=batch.mapping,
                batch=batch,
                updated_by=actor,
            )
        existing.columns = batch.columns
        existing.mapping = batch.mapping
        existing.batch = batch
        existing.updated_by = actor
        return writes.save_tracked(
            existing, actor=actor, fields=["columns", "mapping", "batch", "updated_by"]
        )
