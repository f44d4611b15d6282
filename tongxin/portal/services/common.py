"""What every write of the persons' pages shares: the error shown to the
user, the username of the person's entries, the daily submission limit."""

import datetime

from django.conf import settings
from django.utils import timezone

from tongxin.service.models import ServiceRequest, Suggestion

from ..models import (
    ChangeRequest,
    PersonalLink,
)


class PortalError(ValueError):
    """A submission refused for a reason the user can act on; `field` names the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def person_username(link: PersonalLink) -> str:
    return f"本人（个人链接 #{link.pk}）"


# --- what the person submits ------------------------------------------------------------


def _refuse_if_busy(link: PersonalLink) -> None:
    """A confirmed session may not flood the office: at most
    PORTAL_DAILY_SUBMISSIONS submissions (changes, requests, suggestions) a day."""
    since = timezone.now() - datetime.timedelta(days=1)
    count = (
        ChangeRequest.objects.filter(link=link, submitted_at__gte=since).count()
        + ServiceRequest.objects.filter(
            person_id=link.person_id, self_submitted=True, created_at__gte=since
        ).count()
        + Suggestion.objects.filter(
            submitters=link.person_id, self_submitted=True, created_at__gte=since
        ).count()
    )
    if count >= settings.PORTAL_DAILY_SUBMISSIONS:
        raise PortalError("今天提交的次数已达上限，请明天再提交，或直接联系统战部门。")
