"""Rules of the layout that a grep can keep (the import arrows are
import-linter's, in pyproject.toml and `make test`).

One write path (issue 19): a row lock is taken only through core/writes.py
(`lock`, `locked`), and an import batch's status changes only through
imports/status.py (a history row each time).
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
    """The two rules above would pass on nothing if the parsing missed its target."""
    old_tail = "current = Person.objects.select_for_update().get(pk=pk)\n"
    assert _row_locks(ast.parse(old_tail)) == 1
    update = "ImportBatch.objects.filter(pk=1).update(status=ImportBatch.Status.FAILED)\n"
    assigned = "batch.status = ImportBatch.Status.FAILED\n"
    assert _batch_status_writes(ast.parse(update + assigned)) == [1, 2]
