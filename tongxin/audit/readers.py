"""Whose entries an administrator may read besides those of their regions.

audit sits below accounts (account services write audit entries), so it
cannot ask accounts which users an administrator manages; accounts registers
that rule here in its AppConfig.ready().
"""

from collections.abc import Callable

from django.db.models import Q

# `(user) -> Q` over AuditEntry: more entries `user` may read.
_reader_rules: list[Callable[..., Q]] = []


def register_reader_rule(rule: Callable[..., Q]) -> None:
    if rule not in _reader_rules:
        _reader_rules.append(rule)


def readable_q(user, region_q: Q) -> Q:
    """The entries of the user's regions (`region_q`) or of any registered rule."""
    q = region_q
    for rule in _reader_rules:
        q |= rule(user)
    return q
