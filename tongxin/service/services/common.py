"""What the service writes share: the error the views show, the date checks."""

import datetime

from ..models import local_today


class ServiceError(ValueError):
    """A write refused for a reason the user can act on; `field` names the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class StaleRequestError(ServiceError):
    pass


def _not_future(value: datetime.date | None, label: str, field: str) -> None:
    if value is not None and value > local_today():
        raise ServiceError(f"{label}不能晚于今天", field)


def _cn(value: datetime.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"
