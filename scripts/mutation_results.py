"""mutmut's results of the engine modules, read from the snapshot (``scripts/mutation.py``).

Each module's results are in mutmut's ``.meta`` file (the exit code of each mutant's
run); a survivor's diff comes from ``mutmut show``, its line from the source and
whether it is equivalent from ``scripts/mutation_equivalents.toml``.
"""

from __future__ import annotations

import ast
import importlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mutation_equivalents import load_equivalents, why_equivalent
from mutation_plugin import TIMEOUT_EXIT
from mutation_record import meta_path
from mutation_run import ROOT, mutmut

STATUSES = ("killed", "timeout", "survived", "no tests", "error", "not checked")
#: Status of each exit code of a mutant's run that mutmut records. 36 is the plugin's
#: timeout, 24, 152 and -24 a SIGXCPU from mutmut's own limits and -9 the SIGKILL after
#: it; 255 (-1) is an exception in mutmut's worker, so the tests did not run.
STATUS_BY_EXIT = {0: "survived", 1: "killed", 3: "killed", 37: "killed", 5: "no tests"}
STATUS_BY_EXIT |= {33: "no tests"} | dict.fromkeys((TIMEOUT_EXIT, 24, 152, -24, -9), "timeout")


@dataclass
class Mutant:
    """One mutant's result."""

    name: str
    status: str
    function: str = ""
    line: int | None = None
    diff: str = ""
    equivalent: str | None = None


@dataclass
class Module:
    """The results of one engine module."""

    path: Path
    mutants: list[Mutant] = field(default_factory=list)

    def count(self, status: str) -> int:
        """How many mutants have ``status``."""
        return sum(m.status == status for m in self.mutants)

    @property
    def equivalents(self) -> int:
        """Surviving mutants explained as equivalent."""
        return sum(m.status == "survived" and m.equivalent is not None for m in self.mutants)

    @property
    def killed(self) -> int:
        """Killed by a failing test or by a timeout."""
        return self.count("killed") + self.count("timeout")

    @property
    def checked(self) -> int:
        """Mutants with a result (an error in mutmut's worker is none)."""
        return len(self.mutants) - self.count("not checked") - self.count("error")

    @property
    def score(self) -> float | None:
        """Killed of the checked, non-equivalent mutants."""
        total = self.checked - self.equivalents
        return self.killed / total if total else None


def function_of(name: str) -> str:
    """``Floor.take`` or ``next_deadline`` from a mutant's name."""
    last = name.rpartition(".")[2].rsplit("__mutmut_", 1)[0]
    if last.startswith("x\u01c1"):
        return ".".join(part for part in last[2:].split("\u01c1") if part)
    return last.removeprefix("x_")


def diff_lines(diff: str, sign: str) -> list[str]:
    """The lines of ``diff`` that ``sign`` starts (``-`` removed, ``+`` added), without it."""
    return [
        line[1:]
        for line in diff.splitlines()
        if line.startswith(sign) and not line.startswith(("---", "+++"))
    ]


def changed_lines(diff: str) -> tuple[str, str]:
    """The removed and the added lines of a diff, stripped and joined."""
    before, after = (diff_lines(diff, sign) for sign in "-+")
    return "\n".join(line.strip() for line in before), "\n".join(line.strip() for line in after)


def locate(source: str, function: str, diff: str) -> int | None:
    """The line in ``source`` of a mutant's first changed line."""
    node: ast.AST = ast.parse(source)
    for part in function.split("."):
        body = getattr(node, "body", [])
        match = [
            n
            for n in body
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and n.name == part
        ]
        if not match:
            return None
        node = match[0]
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    removed = diff_lines(diff, "-")
    if not removed:
        return node.lineno
    lines = source.splitlines()
    end = node.end_lineno or len(lines)
    for number in range(node.lineno, end + 1):
        if lines[number - 1].strip() == removed[0].strip():
            return number
    return node.lineno


def exit_codes(work: Path, path: Path) -> dict[str, int | None] | None:
    """The exit code of each mutant of the module at ``path`` (``None``: not run yet).

    ``None`` if mutmut has not mutated the module yet.
    """
    meta = meta_path(work, path)
    if not meta.is_file():
        return None
    codes: dict[str, int | None] = json.loads(meta.read_text()).get("exit_code_by_key", {})
    return codes


def count_checked(work: Path, paths: Sequence[Path]) -> int:
    """How many mutants of ``paths`` have a result."""
    return sum(
        code is not None for path in paths for code in (exit_codes(work, path) or {}).values()
    )


def collect(work: Path, paths: Sequence[Path]) -> list[Module]:
    """The results of the modules at ``paths``, survivors with their diffs."""
    equivalents = load_equivalents()
    modules = []
    for path in paths:
        codes = exit_codes(work, path)
        if codes is None:
            continue
        module = Module(path)
        source = (work / path).read_text()
        for name, code in codes.items():
            status = "not checked" if code is None else STATUS_BY_EXIT.get(code, "error")
            mutant = Mutant(name, status, function_of(name))
            module.mutants.append(mutant)
            if status == "survived":
                shown = mutmut(work, "show", name)
                mutant.diff = "\n".join(
                    line for line in shown.stdout.splitlines() if not line.startswith("# ")
                ).strip()
                mutant.line = locate(source, mutant.function, mutant.diff)
                before, after = changed_lines(mutant.diff)
                mutant.equivalent = why_equivalent(
                    equivalents, path.stem, mutant.function, before, after
                )
        modules.append(module)
    return sorted(modules, key=lambda m: ((ROOT / m.path).stat().st_size, m.path.name))


def count_mutants(path: Path) -> int | None:
    """How many mutants mutmut makes of a module (``None`` if mutmut's API moved)."""
    try:
        mutation = importlib.import_module("mutmut.mutation.file_mutation")
        mutated = mutation.mutate_file_contents(str(path), (ROOT / path).read_text())
        return len(mutated.mutant_names)
    except Exception:
        return None
