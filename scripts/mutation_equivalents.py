"""Surviving mutants explained as equivalent (``scripts/mutation_equivalents.toml``).

An entry names the module (its file name without ``.py``), the function (``Class.method``
for a method), the mutated line(s) before and after, stripped, and the reason. A
survivor matches an entry by that text, not by mutmut's numbering of the mutants.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

EQUIVALENTS = Path(__file__).resolve().parent / "mutation_equivalents.toml"


def load_equivalents(path: Path = EQUIVALENTS) -> list[dict[str, str]]:
    """The explained equivalent mutants (none if the file does not exist)."""
    if not path.is_file():
        return []
    data = tomllib.loads(path.read_text())
    return [{k: str(v) for k, v in entry.items()} for entry in data.get("equivalent", [])]


def why_equivalent(
    equivalents: list[dict[str, str]], module: str, function: str, before: str, after: str
) -> str | None:
    """The reason a surviving mutant is equivalent, if one of ``equivalents`` explains it.

    ``before`` and ``after`` are the mutant's removed and added lines, each stripped,
    joined with newlines.
    """
    for entry in equivalents:
        if (
            entry.get("module") == module
            and entry.get("function") == function
            and entry.get("before", "").strip() == before
            and entry.get("after", "").strip() == after
        ):
            return entry.get("reason", "")
    return None
