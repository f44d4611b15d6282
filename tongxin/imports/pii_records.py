"""An import's undo data under key rotation (core/pii_rotation.py).

ImportedRecord.previous keeps the values an import overwrote, for undo;
identifiers among them are encrypted (imports/committing.py). They are not an
encrypted column, so `tongxin pii_rotate_key` learns of them from
`registries.encrypted_extras` (imports/apps.py registers this).
"""

from collections.abc import Iterator

from django.db import transaction

from tongxin.core import pii, writes
from tongxin.core.pii_rotation import BATCH_SIZE

from .models import ImportedRecord

_PREVIOUS_KEYS = ("id_number", "mobile")


def _encrypted_previous(record) -> dict[str, str]:
    previous = record.previous if isinstance(record.previous, dict) else {}
    return {
        name: value
        for name, value in previous.items()
        if name in _PREVIOUS_KEYS and isinstance(value, str) and "$" in value
    }


class _EncryptedPrevious:
    table = ImportedRecord._meta.db_table

    def reencrypt(self) -> int:
        """Encrypt again under the current key; how many values changed."""
        changed = 0
        ids = list(ImportedRecord.objects.exclude(previous={}).values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH_SIZE):
            with transaction.atomic():
                ring = pii.keyring()
                chunk = ids[start : start + BATCH_SIZE]
                for record in writes.locked(ImportedRecord.objects.filter(pk__in=chunk)):
                    stale = {
                        name: value
                        for name, value in _encrypted_previous(record).items()
                        if pii.key_id_of(value) != ring.current
                    }
                    if not stale:
                        continue
                    for name, value in stale.items():
                        plain = pii.decrypt(value, name, ring=ring)
                        record.previous[name] = pii.encrypt(plain, name, ring=ring)
                    record.save(update_fields=["previous"])
                    changed += len(stale)
        return changed

    def key_ids(self) -> Iterator[str]:
        for record in ImportedRecord.objects.exclude(previous={}).iterator():
            for value in _encrypted_previous(record).values():
                yield pii.key_id_of(value)


ENCRYPTED_PREVIOUS = _EncryptedPrevious()
