"""Every write of this app: validated, in one transaction, with a history row
and an audit entry. Views call these and show `ServiceError.message`.

A request moves 已受理 → 已交办 → 办理中 → 已办结, and a follow-up (回访) with
不满意 may send it back to 办理中. Each move is one function; a move the
current status does not allow is refused, and nothing is ever deleted.

By sub-domain: the departments (`departments.py`), requests (`requests.py`),
suggestions (`suggestions.py`); the error and date checks they share in
`common.py`. Import from the package: `from tongxin.service import services`.
"""

from .common import ServiceError, StaleRequestError
from .departments import DEPARTMENT_FIELDS, department_create, department_update
from .requests import (
    REQUEST_FIELDS,
    service_request_assign,
    service_request_cancel,
    service_request_close,
    service_request_create,
    service_request_follow_up,
    service_request_progress_add,
    service_request_update,
)
from .suggestions import (
    SUGGESTION_FIELDS,
    suggestion_create,
    suggestion_forward,
    suggestion_respond,
    suggestion_update,
)

__all__ = [
    "DEPARTMENT_FIELDS",
    "REQUEST_FIELDS",
    "SUGGESTION_FIELDS",
    "ServiceError",
    "StaleRequestError",
    "department_create",
    "department_update",
    "service_request_assign",
    "service_request_cancel",
    "service_request_close",
    "service_request_create",
    "service_request_follow_up",
    "service_request_progress_add",
    "service_request_update",
    "suggestion_create",
    "suggestion_forward",
    "suggestion_respond",
    "suggestion_update",
]
