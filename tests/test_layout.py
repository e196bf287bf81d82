"""The layout stays readable: small modules, no import cycles, no reaching into privates."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "peersupport"
MODULES = sorted(PACKAGE.rglob("*.py"))
#: The longest a module may be, in lines.
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Modules of the package that ``path`` imports at run time (functions included).

    Imports under ``if TYPE_CHECKING:`` are only for the type checker and do not count.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    found: set[str] = set()
    here = module_name(path)
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("peersupport"))
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:
                package = here.split(".")[: -node.level or None]
                base = ".".join([*package, node.module])
            if base.startswith("peersupport"):
                found.add(base)
                found.update(
                    f"{base}.{a.name}"
                    for a in node.names
                    if (PACKAGE.parent / base.replace(".", "/") / f"{a.name}.py").exists()
                )
    # Every module of a package runs the package's __init__ first; the root
    # package (which imports its public names from everywhere) is not an edge.
    return found - {here, "peersupport"}


GRAPH = {module_name(p): imports(p) for p in MODULES}


class TestLayout:
    @pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
    def test_modules_are_small(self, path):
        """No module is longer than 400 lines."""
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= MAX_LINES, f"{path.name} has {lines} lines"

    def test_no_import_cycles(self):
        """The modules' imports form no cycle, counting imports inside functions too."""
        state: dict[str, int] = {}
        stack: list[str] = []

        def visit(name: str) -> None:
            state[name] = 1
            stack.append(name)
            for dep in sorted(GRAPH.get(name, ())):
                if dep not in GRAPH:
                    continue
                if state.get(dep) == 1:
                    cycle = [*stack[stack.index(dep) :], dep]
                    pytest.fail("import cycle: " + " -> ".join(cycle))
                if dep not in state:
                    visit(dep)
            stack.pop()
            state[name] = 2

        for name in sorted(GRAPH):
            if name not in state:
                visit(name)

    def test_the_engine_knows_nothing_above_it(self):
        """The engine imports no store, web, sim, kit, report or command line."""
        above = ("peersupport.sim", "peersupport.testing", "peersupport.report", "peersupport.cli")
        for name, deps in GRAPH.items():
            if name.startswith("peersupport.engine"):
                assert not [d for d in deps if d.startswith(above)], name

    @pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
    def test_no_private_names_of_other_modules(self, path):
        """No module imports another module's _private name or reads module._private."""
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("peersupport"):
                for alias in node.names:
                    private = alias.name.startswith("_") and not alias.name.startswith("__")
                    assert not private, f"imports {node.module}.{alias.name}"
                    if (
                        PACKAGE.parent / node.module.replace(".", "/") / f"{alias.name}.py"
                    ).exists():
                        modules.add(alias.asname or alias.name)
            elif isinstance(node, ast.Import):
                modules.update(
                    a.asname or a.name for a in node.names if a.name.startswith("peersupport")
                )
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in modules
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                pytest.fail(f"line {node.lineno}: {node.value.id}.{node.attr}")
