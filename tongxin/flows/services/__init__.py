"""Change requests between the levels: create (draft or submitted), submit,
withdraw, return, approve, comment, attach. Every write is keyword-only, in
one transaction, with a trail event and an audit entry; a refused write
raises FlowError with a message naming what is wrong and changes nothing.

By sub-domain: creating each kind of request (`creation.py`), a request's
way through the levels after that (`decisions.py`), and what both share
(`common.py`). Import from the package: `from tongxin.flows import services`."""

from .common import FlowError, State, default_due_date
from .creation import (
    UnconfirmedChildren,
    merge_request_create,
    recommendation_create,
    removal_create,
    report_create,
    report_snapshot,
    review_confirmation_create,
    transfer_in_create,
    transfer_out_create,
    unconfirmed_children,
)
from .decisions import (
    request_approve,
    request_attach,
    request_comment,
    request_return,
    request_submit,
    request_withdraw,
)

__all__ = [
    "FlowError",
    "State",
    "UnconfirmedChildren",
    "default_due_date",
    "merge_request_create",
    "recommendation_create",
    "removal_create",
    "report_create",
    "report_snapshot",
    "request_approve",
    "request_attach",
    "request_comment",
    "request_return",
    "request_submit",
    "request_withdraw",
    "review_confirmation_create",
    "transfer_in_create",
    "transfer_out_create",
    "unconfirmed_children",
]
