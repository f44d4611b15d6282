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

Two other shapes, for the writes that do not fit one row by its key:

    pending = locked(Proposal.objects.filter(batch=batch))   # several rows, or
    batch = locked(ImportBatch).filter(pk=batch_id).first()  # one that may be gone
    save_tracked(current, actor=actor, fields=[...], reason=...)  # the caller audits

`locked` is the only other place a row lock is taken (the architecture test
in core/tests/test_architecture.py refuses `select_for_update(` elsewhere);
`save_tracked` is `save_audited` without the audit entry, for a save whose
entry the caller writes once for several rows, or that leaves none by design
(a counter, a token's last use).

A new row goes in through the same tail, without the lock:

    person = Person(...)
    create_audited(person, actor=actor, fields=[...], reason=..., before_audit=...)

`create_audited` names the user and the reason in the row's first history
row, inserts it (`force_insert`), runs `before_audit` (what belongs to the
new row and goes in before its entry: many-to-many rows, children, events),
writes the "create" entry — of `changes`, or of every filled field in
`fields` — and schedules `after_commit`. `create_tracked` is the insert with
its history and no entry, for a row whose entry the caller writes once for
several (a batch before its rows) or that leaves none (a report job). The
architecture test refuses `_history_user =` and `.save(force_insert=True)`
anywhere else, but for the sites it lists.
"""

from collections.abc import Callable, Iterable
from typing import Any, TypedDict, Unpack

from django.db import models, transaction

from . import registries
from .changes import apply_changes, initial_values


class StaleEditError(Exception):
    """Someone else saved the row after the form was opened."""

    def __init__(self, current_version: int | None = None, message: str = ""):
        self.current_version = current_version
        super().__init__(message or "该记录已被他人修改，请刷新页面后重新编辑。")


def locked(
    queryset: models.QuerySet | models.Manager | type[models.Model], *, of_self: bool = False
) -> models.QuerySet:
    """`queryset` with every row it reads locked until the transaction ends.

    `of_self` locks only the queryset's own table, not the tables joined by
    select_related (PostgreSQL refuses FOR UPDATE on the nullable side of an
    outer join).
    """
    if isinstance(queryset, type):
        queryset = queryset._default_manager
    if isinstance(queryset, models.Manager):
        queryset = queryset.all()
    return queryset.select_for_update(of=("self",) if of_self else ())


def lock(
    queryset: models.QuerySet | models.Manager | type[models.Model],
    pk,
    *,
    version: int | None = None,
):
    """The row `pk`, locked until the transaction ends.

    Raises StaleEditError when `version` is given and the row is no longer at
    it; None means the caller has no version to check.
    """
    current = locked(queryset).get(pk=pk)
    if version is not None and current.version != version:
        raise StaleEditError(current.version)
    return current


def set_history(instance: models.Model, actor, reason: str | None = None) -> None:
    """Who changed `instance`, and why, for its next history row."""
    instance._history_user = actor
    if reason is not None:
        instance._change_reason = reason


def save_tracked(
    current: models.Model,
    *,
    actor,
    fields: Iterable[str],
    reason: str | None = None,
    versioned: bool = False,
) -> models.Model:
    """Save `fields` of the locked row `current` with its history row, no audit entry.

    `versioned` bumps the edit version; `updated_at` is saved too when the
    model has it.
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
    return current


class EntryFields(TypedDict, total=False):
    """What the audit entry of a write says besides its action and user, and
    what waits for the commit: the keywords save_audited and create_audited
    take alike (checked at the call by `_audit`'s signature).

    `changes` is what the entry records ({field: [old, new]} or any facts);
    `request` the HTTP request (the client's address); `audit_obj` names
    another row in it (the parent of a changed child); `region` files it
    under a region other than the row's own `region` (a Region's entry under
    itself); `object_repr` names the row when its str() would not say
    enough; `username` names a writer who is no user (a person on their own
    page). `after_commit` runs once the transaction commits, never before and
    never when it rolls back.
    """

    changes: dict[str, Any] | None
    request: Any
    audit_obj: models.Model | None
    region: Any
    object_repr: str
    username: str
    after_commit: Callable[[], None] | None


def save_audited(
    current: models.Model,
    *,
    actor,
    fields: Iterable[str],
    action: str,
    reason: str | None = None,
    versioned: bool = False,
    **entry: Unpack[EntryFields],
) -> models.Model:
    """Save `fields` of the locked row `current` and leave its history and
    audit entry (`entry`: see EntryFields)."""
    save_tracked(current, actor=actor, fields=fields, reason=reason, versioned=versioned)
    _audit(current, action=action, actor=actor, **entry)
    return current


def _audit(
    row: models.Model,
    *,
    action: str,
    actor,
    changes: dict[str, Any] | None = None,
    request=None,
    audit_obj: models.Model | None = None,
    region=None,
    object_repr: str = "",
    username: str = "",
    after_commit: Callable[[], None] | None = None,
) -> None:
    """The audit entry of a write to `row`, and what waits for the commit."""
    registries.audit(
        action=action,
        user=actor,
        request=request,
        obj=audit_obj if audit_obj is not None else row,
        region=region,
        object_repr=object_repr,
        username=username,
        changes=changes,
    )
    if after_commit is not None:
        transaction.on_commit(after_commit)


def update_audited(
    current: models.Model,
    data: dict[str, Any],
    *,
    actor,
    reason: str | None = None,
    request=None,
    region=None,
    clean: bool = False,
) -> models.Model:
    """Set `data` on the locked row `current` and, if anything changed, save
    those fields with history and an "update" audit entry of the changes
    (`clean`: run the model's full_clean first). Unchanged: nothing is written."""
    changes = apply_changes(current, data)
    if not changes:
        return current
    if clean:
        current.full_clean()
    return save_audited(
        current,
        actor=actor,
        fields=list(changes),
        action="update",
        changes=changes,
        reason=reason,
        request=request,
        region=region,
    )


def create_tracked(
    instance: models.Model, *, actor, reason: str | None = None, clean: bool = False
) -> models.Model:
    """Insert the new row `instance` with its first history row, no audit entry.

    `clean` runs the model's full_clean first.
    """
    if clean:
        instance.full_clean()
    set_history(instance, actor, reason)
    instance.save(force_insert=True)
    return instance


def create_audited(
    instance: models.Model,
    *,
    actor,
    fields: Iterable[str] | None = None,
    action: str = "create",
    reason: str | None = None,
    before_audit: Callable[[], None] | None = None,
    clean: bool = False,
    **entry: Unpack[EntryFields],
) -> models.Model:
    """Insert the new row `instance` and leave its history and audit entry
    (`entry`: see EntryFields).

    The entry records `changes`, or else every filled field of `fields` as
    set from nothing (core/changes.initial_values, read after the insert).
    `before_audit` runs after the insert and before the entry, for what is
    written with the row (many-to-many rows, children, events). `action` and
    `audit_obj` file the insert as a change of another row (a person added to
    an activity is an "update" of the activity). `clean` runs the model's
    full_clean first.
    """
    if fields is not None and "changes" in entry:
        raise TypeError("create_audited takes `changes` or `fields`, not both")
    create_tracked(instance, actor=actor, reason=reason, clean=clean)
    if before_audit is not None:
        before_audit()
    if fields is not None:
        entry["changes"] = initial_values(instance, list(fields))
    _audit(instance, action=action, actor=actor, **entry)
    return instance
