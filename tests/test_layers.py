"""Packages only import downward: engine -> fingerprint -> detect -> alert -> apps -> cli.

``access`` (API keys, the gate both web apps share) sits with the apps and ``web``, whose
error answers it gives.

A lower layer that imports a higher one makes a cycle sooner or later (the alert model
loading scikit-learn through the detector, the engine reaching into fingerprints), so every
``import seismo...`` in the source tree, top level or inside a function, is checked against
the layer order below.
"""

from __future__ import annotations

import ast
from pathlib import Path

import seismo

LAYERS: tuple[tuple[str, ...], ...] = (
    ("config",),
    ("engine",),
    ("fingerprint",),
    ("detect",),
    ("alert",),
    ("web", "access", "ingest", "dashboard", "demo", "loops", "agent"),
    ("bench",),
    ("cli", "__main__"),
)
"""Bottom to top. A module may import its own layer and those below it."""

SOURCE = Path(seismo.__file__).parent


def layer_of(module: str) -> int:
    """The layer index of ``seismo.<package>...``; the package root counts as ``config``."""
    parts = module.split(".")
    package = parts[1] if len(parts) > 1 else "config"
    for index, names in enumerate(LAYERS):
        if package in names:
            return index
    raise AssertionError(f"{module}: package {package!r} has no layer in LAYERS")


def module_name(path: Path) -> str:
    relative = path.relative_to(SOURCE.parent).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


def seismo_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every ``seismo`` import in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("seismo")]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("seismo"):
            found.append((node.lineno, str(node.module)))
    return found


def upward_imports() -> list[str]:
    problems = []
    for path in sorted(SOURCE.rglob("*.py")):
        importer = module_name(path)
        for line, imported in seismo_imports(path):
            if imported != "seismo" and layer_of(imported) > layer_of(importer):
                problems.append(f"{path.relative_to(SOURCE)}:{line}: imports {imported}")
    return problems


def test_every_package_has_a_layer() -> None:
    for path in SOURCE.rglob("*.py"):
        layer_of(module_name(path))


def test_no_module_imports_a_layer_above_its_own() -> None:
    assert upward_imports() == []


def test_an_upward_import_is_found() -> None:
    assert layer_of("seismo.engine.keys") < layer_of("seismo.loops.detector")
    assert layer_of("seismo.cli") > layer_of("seismo.demo.orchestrator")
