"""Every write of the persons' own pages: links issued and revoked by staff,
confirmations by the person, what the person submits, and the staff decision
on each submitted field. Keyword-only, atomic, audited.

Entries made by the person carry no user: their `username` says
"本人（个人链接 #n）", so the audit log tells them apart from staff.

By sub-domain: personal links and their confirmation (`links.py`), change
requests to the person's record and their decision (`changes.py`), requests,
suggestions and invitation answers (`submissions.py`); `common.py` holds the
error and the daily limit. Import from the package:
`from tongxin.portal import services`."""

from .changes import (
    change_request_acknowledge,
    change_request_confirm_unchanged,
    change_request_decide,
    change_request_submit,
)
from .common import PortalError, person_username
from .links import (
    MAX_VALID_DAYS,
    IssuedLink,
    address_is_limited,
    link_confirm,
    link_for_token,
    link_revoke,
    link_sign_out,
    links_issue,
    person_page_viewed,
    unknown_link_noted,
)
from .submissions import (
    ATTACHMENT_SUFFIXES,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    invitation_answer,
    invitation_of_link,
    request_submit,
    suggestion_submit,
)

__all__ = [
    "ATTACHMENT_SUFFIXES",
    "IssuedLink",
    "MAX_ATTACHMENTS",
    "MAX_ATTACHMENT_BYTES",
    "MAX_VALID_DAYS",
    "PortalError",
    "address_is_limited",
    "change_request_acknowledge",
    "change_request_confirm_unchanged",
    "change_request_decide",
    "change_request_submit",
    "invitation_answer",
    "invitation_of_link",
    "link_confirm",
    "link_for_token",
    "link_revoke",
    "link_sign_out",
    "links_issue",
    "person_page_viewed",
    "person_username",
    "request_submit",
    "suggestion_submit",
    "unknown_link_noted",
]
