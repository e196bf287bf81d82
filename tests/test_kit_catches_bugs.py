"""The conformance kit catches broken plugins: every entry of the catalogue makes it fail.

The catalogue (``tests/kit_catalogue.py``) lists broken turn policies and rules,
each a different bug a plugin author could write from the plugin docs alone,
with the public API only (``tests/broken_plugins.py``, ``tests/broken_rules.py``):
policies that offer the floor wrongly or refuse too little or too much, replaced
always-on rules, and phase rules that leak, crash, keep state or give wrong
notices. Each is added as an in-process plugin (and removed afterwards); running
the kit on its format must fail, naming the invariant the entry says. A kit that
passes a broken plugin is a defect. ``docs/plugins/testing.md`` lists the same
catalogue.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, settings

import broken_plugins
import broken_rules
import peersupport as ps
from kit_catalogue import CATALOGUE, Entry
from peersupport.testing import ConformanceError, check_format, conformance_settings

DOCS = Path(__file__).resolve().parent.parent / "docs" / "plugins" / "testing.md"
HEADING = "## The catalogue of broken plugins"


def no_shrink() -> settings:
    """The active profile (the CI profile: 100 sessions), stopping at the first failure.

    Derandomized so that each test finds its bug the same way on every run
    (``scripts/catalogue_robustness.py`` measures how often other draws find it).
    """
    return conformance_settings(
        settings(
            settings.default,
            phases=[Phase.explicit, Phase.generate],
            derandomize=True,
            database=None,
            print_blob=False,
        )
    )


def violations(format_name: str) -> set[str]:
    """Run the kit on ``format_name``; return the names of the invariants it reports broken."""
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the kit raises one or a group
        check_format(format_name, settings=no_shrink())
    error = caught.value
    found = error.exceptions if isinstance(error, BaseExceptionGroup) else (error,)
    names = {e.invariant for e in found if isinstance(e, ConformanceError)}
    assert names, f"the kit failed without naming an invariant: {error!r}"
    return names


def docs_table() -> list[tuple[str, str]]:
    """The rows (bug, invariant) of the catalogue's table in ``docs/plugins/testing.md``."""
    section = DOCS.read_text(encoding="utf-8").split(HEADING, 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 2 and cells[1].startswith("`["):
            rows.append((cells[0], cells[1].strip("`[]")))
    return rows


@pytest.mark.kit  # these check the kit, not the engine: tracing only slows them
class TestKitCatchesBrokenPlugins:
    """Each broken plugin makes the kit fail, naming the invariant it breaks."""

    @pytest.mark.parametrize("entry", CATALOGUE, ids=lambda entry: entry.id)
    def test_the_kit_names_the_broken_invariant(self, entry: Entry, added: Any) -> None:
        """check_format fails on the entry's format and names the entry's invariant."""
        added(entry.plugin(), entry.id)
        assert entry.invariant in violations(entry.format)


class TestTheCatalogue:
    """The catalogue is large and written with the public API, and the docs list it."""

    def test_at_least_25_different_bugs(self) -> None:
        """The catalogue has at least 25 entries, each its own bug with its own broken class."""
        assert len(CATALOGUE) >= 25
        assert len({entry.id for entry in CATALOGUE}) == len(CATALOGUE)
        assert len({entry.bug for entry in CATALOGUE}) == len(CATALOGUE)
        plugins = [entry.plugin() for entry in CATALOGUE]
        classes = {type(item) for p in plugins for item in (*p.policies, *p.rules)}
        assert len(classes) == len(CATALOGUE)

    @pytest.mark.parametrize("module", [broken_plugins, broken_rules], ids=lambda m: m.__name__)
    def test_broken_plugins_use_the_public_api_only(self, module: Any) -> None:
        """The broken plugins import only ``peersupport`` and use only its public names."""
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert node.module in ("__future__", "collections.abc", "typing"), node.module
            elif isinstance(node, ast.Import):
                assert [alias.name for alias in node.names] == ["peersupport"]
            elif isinstance(node, ast.Attribute) and ast.unparse(node.value) == "ps":
                assert node.attr in ps.__all__, f"ps.{node.attr} is not public"

    def test_the_docs_list_the_catalogue(self) -> None:
        """The docs' table has one row per entry, in order: its bug and its invariant."""
        assert docs_table() == [(entry.bug, entry.invariant) for entry in CATALOGUE]

    def test_every_invariant_the_kit_can_name_is_documented(self) -> None:
        """Every invariant name the kit's code raises is explained under "What it checks"."""
        raised: set[str] = set()
        kit = Path(ps.__file__).parent / "testing"
        for path in kit.glob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and node.args):
                    continue
                name = getattr(node.func, "id", getattr(node.func, "attr", None))
                if name not in ("ConformanceError", "fail"):
                    continue
                first = node.args[0]
                for arg in (first.body, first.orelse) if isinstance(first, ast.IfExp) else (first,):
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        raised.add(arg.value)
        checks = DOCS.read_text(encoding="utf-8").split("## What it checks", 1)[1]
        checks = checks.split("\n## ", 1)[0]
        assert len(raised) >= 25
        assert sorted(n for n in raised if f"`[{n}]`" not in checks) == []

    def test_every_invariant_of_the_catalogue_is_documented(self) -> None:
        """Every invariant the catalogue names is explained under "What it checks"."""
        checks = DOCS.read_text(encoding="utf-8").split("## What it checks", 1)[1]
        checks = checks.split("\n## ", 1)[0]
        for entry in CATALOGUE:
            assert f"`[{entry.invariant}]`" in checks, entry.invariant
