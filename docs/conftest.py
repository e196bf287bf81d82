"""Run every code block of the documentation as a test (with Sybil).

* ``python`` blocks run in order, one namespace per page, in a fresh temporary
  directory; a block starting with ``>>>`` is a doctest, so the output it shows is
  checked too.
* ``console`` blocks: each ``$ command`` line runs in that same directory
  (``peersupport`` and ``python`` are this environment's); the lines the block shows
  after a command must appear in its output, in order (``...`` skips any lines);
  a trailing ``# exit N`` says the command must exit with N, otherwise 0.
* a ``python`` block whose first line is ``# file: NAME.py`` is a script: it is
  written to that file in the page's directory (not run in the namespace), so a
  later console block can run it (``$ python NAME.py``), ``__main__`` guard and all.
* ``<!-- skip: next -->`` before a block skips it. The documentation uses it only for
  commands that install things or set up a checkout (``pip install``,
  ``git clone``, ``python3 dev.py ...``), which ``.ci/run`` runs itself.

This file is excluded from the built site (``exclude_docs`` in ``mkdocs.yml``).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from sybil import Example, Sybil
from sybil.parsers.markdown import (
    ClearNamespaceParser,
    CodeBlockParser,
    PythonCodeBlockParser,
    SkipParser,
)

BIN = Path(sys.executable).parent
#: Programs a console block may run, and what runs them.
PROGRAMS = {"peersupport": [str(BIN / "peersupport")], "python": [sys.executable]}
_EXIT = re.compile(r"\s+#\s*exit\s+(\d+)\s*$")


def _run(command: str, cwd: Path) -> tuple[int, list[str]]:
    argv = shlex.split(command)
    if argv[0] not in PROGRAMS:
        raise AssertionError(
            f"console block runs {argv[0]!r}; only {sorted(PROGRAMS)} run in the tests "
            "(put <!-- skip: next --> before install or checkout commands)"
        )
    env = {**os.environ, "COLUMNS": "100", "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        [*PROGRAMS[argv[0]], *argv[1:]],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    return done.returncode, (done.stdout + done.stderr).splitlines()


def _missing(expected: list[str], actual: list[str]) -> str | None:
    """The first expected line not found (in order) in ``actual``; ``...`` skips lines."""
    position = 0
    for line in expected:
        if line.strip() in ("", "..."):
            continue
        for index in range(position, len(actual)):
            if actual[index].rstrip() == line.rstrip():
                position = index + 1
                break
        else:
            return line
    return None


def evaluate_console(example: Example) -> str | None:
    """Run each ``$`` line of a console block and check its exit code and output."""
    cwd = Path(example.namespace["tmp_path"])
    commands: list[tuple[str, list[str]]] = []
    for line in str(example.parsed).splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        elif commands:
            commands[-1][1].append(line)
    if not commands:
        return "console block without a '$ ' command line"
    for command, expected in commands:
        wanted = 0
        if match := _EXIT.search(command):
            wanted, command = int(match.group(1)), command[: match.start()]
        code, output = _run(command, cwd)
        shown = "\n".join(output[-30:])
        if code != wanted:
            return f"`{command}` exited with {code}, expected {wanted}:\n{shown}"
        if (line := _missing(expected, output)) is not None:
            return f"`{command}` did not print {line!r}; it printed:\n{shown}"
    return None


def _setup(namespace: dict[str, Any]) -> None:
    """Each page runs in its own temporary directory."""
    namespace["_home"] = Path.cwd()
    namespace["tmp_path"] = Path(tempfile.mkdtemp(prefix="peersupport-docs-"))
    os.chdir(namespace["tmp_path"])


def _teardown(namespace: dict[str, Any]) -> None:
    os.chdir(namespace.pop("_home"))
    shutil.rmtree(namespace.pop("tmp_path"), ignore_errors=True)


_FILE = re.compile(r"# file: (?P<name>[\w.-]+\.py)\n")


def _write_script(example: Example) -> str | None:
    """Write a ``# file:`` block to its file in the page's directory."""
    source = str(example.parsed)
    match = _FILE.match(source)
    assert match is not None
    Path(example.namespace["tmp_path"], match["name"]).write_text(source)
    return None


class PythonOrScriptParser(PythonCodeBlockParser):
    """Python blocks run in the page's namespace; ``# file:`` blocks become scripts."""

    def __call__(self, document: Any) -> Any:
        """The regions of ``document``, with ``# file:`` blocks set to be written out."""
        for region in super().__call__(document):
            if _FILE.match(str(region.parsed)):
                region.evaluator = _write_script
            yield region


pytest_collect_file = Sybil(
    parsers=[
        PythonOrScriptParser(),
        CodeBlockParser("console", evaluate_console),
        SkipParser(),
        ClearNamespaceParser(),
    ],
    patterns=["*.md"],
    setup=_setup,
    teardown=_teardown,
).pytest()


@pytest.fixture(autouse=True)
def _quiet_plots() -> None:
    """Plots in the docs render without a display."""
    os.environ.setdefault("MPLBACKEND", "Agg")
