"""Every write to an engagement record goes through here: validated, versioned,
in one transaction, with a history row and an audit entry.

Most record types share the same three writes (create, update, cancel), so
they are one set of functions over the model (`records.py`); the writes with
their own rules follow by sub-domain: nomination stages (`nominations.py`),
the persons on an activity, training, cluster or organisation
(`participants.py`), attachments (`attachments.py`). Import from the package:
`from tongxin.engagement import services`."""

from .attachments import (
    ATTACHMENT_MAX_BYTES,
    ATTACHMENT_SUFFIXES,
    attachment_add,
    attachment_remove,
    check_upload,
)
from .nominations import nomination_advance, nomination_create, stage_error
from .participants import (
    batches_to_undo,
    member_end,
    membership_rows,
    participant_batch_undo,
    participant_update,
    participants_mark_attended,
    person_add,
    person_withdraw,
    persons_bulk_add,
    persons_withdraw,
    training_participant_update,
    withdrawn_rows,
)
from .records import (
    active,
    display_value,
    record_cancel,
    record_create,
    record_update,
    validate_record,
)

__all__ = [
    "ATTACHMENT_MAX_BYTES",
    "ATTACHMENT_SUFFIXES",
    "active",
    "attachment_add",
    "attachment_remove",
    "batches_to_undo",
    "check_upload",
    "display_value",
    "member_end",
    "membership_rows",
    "nomination_advance",
    "nomination_create",
    "participant_batch_undo",
    "participant_update",
    "participants_mark_attended",
    "person_add",
    "person_withdraw",
    "persons_bulk_add",
    "persons_withdraw",
    "record_cancel",
    "record_create",
    "record_update",
    "stage_error",
    "training_participant_update",
    "validate_record",
    "withdrawn_rows",
]
