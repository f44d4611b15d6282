"""The benchmark scripts (bench/) import the product's modules inside
functions, so a module moved or renamed breaks them only when someone runs
them: a split of imports/services.py and service/listing.py did. Every
`from tongxin… import name` they hold must resolve."""

import ast
import importlib
from pathlib import Path

import tongxin

BENCH = Path(tongxin.__file__).resolve().parent.parent / "bench"


def _imports():
    for path in sorted(BENCH.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tongxin"):
                for alias in node.names:
                    yield f"{path.name}:{node.lineno}", node.module, alias.name


def _resolves(module: str, name: str) -> bool:
    try:
        loaded = importlib.import_module(module)
    except ImportError:
        return False
    if hasattr(loaded, name):
        return True
    try:
        importlib.import_module(f"{module}.{name}")
    except ImportError:
        return False
    return True


def test_every_product_import_of_the_benchmarks_resolves():
    found = list(_imports())
    assert len(found) > 40
    broken = [f"{where} from {module} import {name}" for where, module, name in found
              if not _resolves(module, name)]  # fmt: skip
    assert broken == []
