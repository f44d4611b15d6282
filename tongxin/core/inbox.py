"""The staff inbox's common shape: each app that has something awaiting a
user's decision (or asked by them and still open) lists it through
`inbox_items(user)` in its hooks.py (collected with core.hooks.collect)."""

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class InboxItem:
    kind: str  # shown as the item's type, e.g. "推荐认定", "信息更新"
    title: str  # one line naming the subject (a person's name only when in scope)
    url: str  # the page where the user acts on it
    created_at: datetime
    state_label: str  # e.g. "待审核"
    awaiting_me: bool  # True: the user must decide; False: the user asked it, still open
    due_date: date | None = None

    @property
    def overdue(self) -> bool:
        return self.due_date is not None and self.due_date < date.today()
