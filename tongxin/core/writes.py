"""The tail every service writes a row with, written once.

    current = lock(Person.objects, person.pk, version=expected_version)
    ... check and set fields on `current` ...
    save_audited(current, actor=actor, fields=[...], action=..., changes=..., reason=...)

`lock` takes the row lock (select_for_update) and refuses a stale edit;
`save_audited` bumps the edit version when asked (`versioned=True`: the
optimistic-lock counter `lock` checks, not a domain version such as an
indicator system's), names the user and the reason in the row's history
(django-simple-history), saves only `fields` (with `updated_at` when the
model has it), writes the audit entry through the
registered writer (core/registries.py) and schedules what must wait for the
commit. Both run inside the caller's `transaction.atomic`.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.db import models, transaction

from . import registries


class StaleEditError(Exception):
    """Someone else saved the row after the form was opened."""

    def __init__(self, current_version: int | None = None, message: str = ""):
        self.current_version = current_version
        super().__init__(message or "该记录已被他人修改，请刷新页面后重新编辑。")


def lock(queryset: models.QuerySet | type[models.Model], pk, *, version: int | None = None):
    """The row `pk`, locked until the transaction ends.

    Raises StaleEditError when `version` is given and the row is no longer at
    it; None means the caller has no version to check.
    """
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    current = queryset.select_for_update().get(pk=pk)
    if version is not None and current.version != version:
        raise StaleEditError(current.version)
    return current


def set_history(instance: models.Model, actor, reason: str | None = None) -> None:
    """Who changed `instance`, and why, for its next history row."""
    instance._history_user = actor
    if reason is not None:
        instance._change_reason = reason


def save_audited(
    current: models.Model,
    *,
    actor,
    fields: Iterable[str],
    action: str,
    changes: dict[str, Any] | None = None,
    reason: str | None = None,
    request=None,
    audit_obj: models.Model | None = None,
    after_commit: Callable[[], None] | None = None,
    versioned: bool = False,
) -> models.Model:
    """Save `fields` of the locked row `current` and leave its history and audit entry.

    `changes` is what the audit entry records ({field: [old, new]} or any
    facts); `audit_obj` names another row in it (the parent of a changed
    child). `after_commit` runs once the transaction commits, never before
    and never when it rolls back.
    """
    names = {f.name for f in current._meta.concrete_fields}
    update_fields = list(dict.fromkeys(fields))
    if versioned:
        current.version += 1
        update_fields.append("version")
    if "updated_at" in names and "updated_at" not in update_fields:
        update_fields.append("updated_at")
    set_history(current, actor, reason)
    current.save(update_fields=update_fields)
    registries.audit(
        action=action,
        user=actor,
        request=request,
        obj=audit_obj if audit_obj is not None else current,
        changes=changes,
    )
    if after_commit is not None:
        transaction.on_commit(after_commit)
    return current
