"""The benchmark scripts (bench/) import the product's modules inside
functions, so a module moved or renamed breaks them only when someone runs
them: a split of imports/services.py and service/listing.py did. Every
`from tongxin… import name` they hold must resolve, and where the name is a
module, every `name.attribute` they use of it (evaluations' index lost two)."""

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


def _module_uses():
    for path in sorted(BENCH.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tongxin"):
                for alias in node.names:
                    try:
                        modules[alias.asname or alias.name] = importlib.import_module(
                            f"{node.module}.{alias.name}"
                        )
                    except ImportError:
                        continue  # a class or function, not a module
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in modules
            ):
                yield f"{path.name}:{node.lineno}", modules[node.value.id], node.attr


def test_every_attribute_the_benchmarks_use_of_a_product_module_exists():
    found = list(_module_uses())
    assert found
    missing = [f"{where} {module.__name__}.{name}" for where, module, name in found
               if not hasattr(module, name)]  # fmt: skip
    assert missing == []


def test_every_product_import_of_the_benchmarks_resolves():
    found = list(_imports())
    assert len(found) > 40
    broken = [f"{where} from {module} import {name}" for where, module, name in found
              if not _resolves(module, name)]  # fmt: skip
    assert broken == []
