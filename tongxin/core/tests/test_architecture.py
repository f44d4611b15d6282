"""Rules of the layout that a grep can keep (the import arrows are
import-linter's, in pyproject.toml and `make test`).

One write path (issue 19): a row lock is taken only through core/writes.py
(`lock`, `locked`), a new row goes in only through it (`create_audited`,
`create_tracked`: history user, insert, audit entry) but for the sites listed
below, and an import batch's status changes only through imports/status.py
(a history row each time).
"""

import ast
from pathlib import Path

import tongxin

ROOT = Path(tongxin.__file__).parent


def _source_files():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if "tests" in relative.parts or "migrations" in relative.parts:
            continue
        yield relative.as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _row_locks(tree) -> int:
    return sum(
        isinstance(node, ast.Attribute) and node.attr == "select_for_update"
        for node in ast.walk(tree)
    )


def test_rows_are_locked_only_through_core_writes():
    found = {name: count for name, tree in _source_files() if (count := _row_locks(tree))}
    assert found.pop("core/writes.py", 0) == 1
    assert found == {}, (
        "select_for_update( outside core/writes.py: use writes.lock(queryset, pk) for one "
        "row, writes.locked(queryset) for several (see core/writes.py)"
    )


# Inserts left outside core/writes.py, each for a reason the helpers cannot
# keep: they name no user in the history row, so it takes the request's user
# (simple-history's middleware), or none outside a request.
CREATES_ALLOWED = {
    # Tier set up with its defaults the first time a read asks for it: no actor.
    "levels/tiers.py": 1,
    # _join has no actor; the demo and bulk level moves call it outside a
    # request, where naming one would change the membership's history rows.
    "levels/services.py": 1,
    # A person accepting on their own page: no staff user, only the reason.
    "engagement/invitations.py": 1,
}


def _hand_written_creates(tree) -> list[int]:
    """Lines that name a history user by hand or insert with save(force_insert=True)."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Attribute) and t.attr == "_history_user" for t in node.targets
        ):
            lines.append(node.lineno)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "save"
            and any(
                k.arg == "force_insert" and isinstance(k.value, ast.Constant) and k.value.value
                for k in node.keywords
            )
        ):
            lines.append(node.lineno)
    return sorted(lines)


def test_rows_are_created_only_through_core_writes():
    found = {
        name: len(lines) for name, tree in _source_files() if (lines := _hand_written_creates(tree))
    }
    assert found.pop("core/writes.py", 0) == 2
    assert found == CREATES_ALLOWED, (
        "a hand-written create (`_history_user =`, `.save(force_insert=True)`) outside "
        "core/writes.py: use writes.create_audited(row, actor=…, changes=… or fields=…), or "
        "writes.create_tracked when the caller writes the audit entry (see core/writes.py)"
    )


def _names_in(node) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _batch_status_writes(tree) -> list[int]:
    """Lines that set an ImportBatch's status by assignment or `.update(status=…)`."""
    lines = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "update"
            and "ImportBatch" in _names_in(node.func.value)
            and any(k.arg == "status" for k in node.keywords)
        ):
            lines.append(node.lineno)
        if isinstance(node, ast.Assign) and "ImportBatch" in _names_in(node.value):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr == "status":
                    lines.append(node.lineno)
    return sorted(lines)


def test_an_import_batch_changes_status_only_through_its_service():
    found = {
        name: lines
        for name, tree in _source_files()
        if name != "imports/status.py" and (lines := _batch_status_writes(tree))
    }
    assert found == {}, "use imports.status.import_batch_status_set (it leaves a history row)"


def test_the_checks_see_what_they_look_for():
    """The rules above would pass on nothing if the parsing missed its target."""
    old_tail = "current = Person.objects.select_for_update().get(pk=pk)\n"
    assert _row_locks(ast.parse(old_tail)) == 1
    old_create = "person._history_user = actor\nperson.save(force_insert=True)\nperson.save()\n"
    assert _hand_written_creates(ast.parse(old_create)) == [1, 2]
    update = "ImportBatch.objects.filter(pk=1).update(status=ImportBatch.Status.FAILED)\n"
    assigned = "batch.status = ImportBatch.Status.FAILED\n"
    assert _batch_status_writes(ast.parse(update + assigned)) == [1, 2]
