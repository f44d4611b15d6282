"""What the domain apps plug into the platform layer.

tongxin.core imports no domain app (the layer contracts in pyproject.toml,
checked by `lint-imports`). Where platform code needs something only a domain
app knows (who writes the audit log, what `serve` must check or purge before
it starts, which table says "this database already holds data"), the app
registers it here in its AppConfig.ready(), and the platform code asks the
registry. Pages use the other mechanism, hooks.py (`collect`).
"""

from collections.abc import Callable, Iterator
from typing import Any


class Registry:
    """An ordered list of entries that the apps fill at start-up.

    Registering the same entry again keeps one copy, so a ready() that runs
    twice (some test set-ups) does not run a check twice.
    """

    def __init__(self, name: str):
        self.name = name
        self._entries: list = []

    def register(self, entry):
        if entry not in self._entries:
            self._entries.append(entry)
        return entry

    def __iter__(self) -> Iterator:
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)


# `() -> str | None`: a reason (in Chinese) why `tongxin serve` must not start,
# checked after the migrations and the static files; e.g. demo accounts in
# production (accounts/apps.py).
serve_checks = Registry("serve_checks")

# `() -> str | None`: run when `tongxin serve` starts; deletes what its
# retention period allows and returns a line for the console, or None when
# nothing was due (audit/apps.py).
serve_purges = Registry("serve_purges")

# `(**fields) -> Any`: writes one audit entry, with audit_log's keyword
# arguments (action as its string value: "export", "import", "update" …).
# The audit app registers the one writer (audit/apps.py).
audit_writers = Registry("audit_writers")

# `(model, unit)`, e.g. (Person, "名人员"): a restore refuses a database in
# which this table is missing or has rows (backup/restore.py _refuse_non_empty); the
# user table is always checked too (people/apps.py).
restore_data_models = Registry("restore_data_models")


# Encrypted values kept outside the encrypted columns that `tongxin
# pii_rotate_key` finds by itself (core/pii_rotation.py), each an object with
# `table` (a name for the counts), `reencrypt() -> int` (values encrypted
# again under the current key) and `key_ids()` (the key id of every such
# value, for the scan before old keys are retired); e.g. an import's undo
# data (imports/apps.py).
encrypted_extras = Registry("encrypted_extras")


def audit(**fields) -> Any:
    """Write an audit entry through the registered writer.

    Inside the caller's transaction, as audit_log is. Raises if no app
    registered one: platform work that should leave an entry must not
    silently leave none.
    """
    writers: list[Callable[..., Any]] = list(audit_writers)
    if not writers:
        raise RuntimeError("没有注册审计日志写入函数（tongxin.audit 未安装？）")
    return writers[0](**fields)


# `(persons: list[Person]) -> None`: called inside the transaction that
# registered new persons (people.services: one by one and in bulk), once
# they have their ids; levels puts them in the tier their level means.
persons_created = Registry("persons_created")
