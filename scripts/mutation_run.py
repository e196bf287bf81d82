"""The snapshot of the checkout and running mutmut in it (``scripts/mutation.py``).

The snapshot (``.mutation/``, ignored by git) holds ``src``, ``tests``, ``docs``,
``conftest.py`` and ``pyproject.toml`` with a ``[tool.mutmut]`` section added; mutmut
mutates its own copy of it (``.mutation/mutants/``), so the checkout is never touched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINE = Path("src/peersupport/engine")
WORK = ROOT / ".mutation"
#: What the snapshot copies from the checkout.
COPY = ("src", "tests", "docs", "conftest.py")
#: The tests each mutant is tested with (mutmut picks those that reach its function).
TESTS = (
    "tests/test_engine_core.py",
    "tests/test_session.py",
    "tests/test_time.py",
    "tests/test_restore.py",
    "tests/test_events.py",
    "tests/test_policies.py",
    "tests/test_conformance.py",
    "tests/test_kit_catches_bugs.py",
    "tests/test_fast_path.py",
    "tests/test_rule_properties.py",
    "tests/test_format.py",
    "tests/test_builtin_formats.py",
    "tests/test_properties.py",
    "tests/test_model.py",
    "tests/test_reach.py",
    "tests/test_plugins.py",
    "tests/test_mutation_kills.py",
    "tests/test_hands.py",
    "tests/test_safety.py",
    "tests/test_schedule.py",
    "tests/test_practice.py",
    "tests/test_decisions.py",
)
#: Tests left out unless ``--all-tests``: node ids containing one of these.
SKIP = ("test_the_kit_names_the_broken_invariant",)
#: Imported once by mutmut's fork server, before it forks a process for each mutant.
#: Not hypothesis: a pytest plugin imported before pytest starts is not assertion-rewritten,
#: and pytest's warning about it is an error here (``filterwarnings = error``).
PRELOAD = ("pytest", "attrs", "cattrs", "statemachine")


def engine_modules() -> list[Path]:
    """The engine's modules, relative to the checkout, smallest first."""
    paths = [p for p in (ROOT / ENGINE).glob("*.py") if p.name != "__init__.py"]
    return [p.relative_to(ROOT) for p in sorted(paths, key=lambda p: p.stat().st_size)]


def resolve(names: Iterable[str]) -> list[Path]:
    """``deadlines``, ``deadlines.py`` or ``src/peersupport/engine/deadlines.py``."""
    found = []
    for name in names:
        stem = Path(name).name.removesuffix(".py")
        path = ENGINE / f"{stem}.py"
        if not (ROOT / path).is_file():
            raise SystemExit(f"no engine module {name!r} ({path} does not exist)")
        found.append(path)
    return found


def _same(a: Path, b: Path) -> bool:
    return b.is_file() and a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()


def sync(source: Path, target: Path) -> int:
    """Make ``target`` a copy of ``source`` (no caches, no compiled modules).

    Unchanged files keep their modification time, so mutmut keeps their mutants'
    results; a changed file is written now, so mutmut mutates it again. Returns how
    many files were written.
    """
    ignored = {"__pycache__", ".hypothesis", ".pytest_cache"}
    if not source.exists():
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        return 0
    if source.is_file():
        if _same(source, target):
            return 0
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return 1
    changed = 0
    wanted = set()
    for path in source.rglob("*"):
        relative = path.relative_to(source)
        if ignored & set(relative.parts) or path.suffix in {".so", ".pyc", ".pyd"}:
            continue
        wanted.add(relative)
        if path.is_file():
            changed += sync(path, target / relative)
    if target.is_dir():
        for path in sorted(target.rglob("*"), reverse=True):
            relative = path.relative_to(target)
            if relative not in wanted and not ignored & set(relative.parts):
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink()
    return changed


def mutmut_pytest_args(
    examples: int, tests: Sequence[str], all_tests: bool, timeout: float
) -> list[str]:
    """The arguments of every pytest run of mutmut: the plugin and its options.

    mutmut fingerprints them: any change makes it test every mutant again.
    """
    return [
        "-p",
        "no:cacheprovider",
        "-p",
        "mutation",
        f"--mutation-examples={examples}",
        f"--mutation-tests={','.join(tests)}",
        f"--mutation-skip={'' if all_tests else ','.join(SKIP)}",
        f"--mutation-test-timeout={timeout}",
    ]


def _toml_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def write_config(work: Path, modules: Sequence[Path], pytest_args: Sequence[str]) -> None:
    """The checkout's ``pyproject.toml`` with a ``[tool.mutmut]`` section."""
    section = "\n".join(
        [
            "",
            "[tool.mutmut]",
            'source_paths = ["src"]',
            f"only_mutate = {_toml_list([m.as_posix() for m in modules])}",
            'also_copy = ["docs", "conftest.py"]',
            f"pytest_add_cli_args = {_toml_list(pytest_args)}",
            'pytest_add_cli_args_test_selection = ["tests"]',
            # Every test run in a new process that imports the package afresh, so that
            # a mutant of code run at import (the built-in formats, the event table)
            # is what the tests import; only third-party modules are imported once.
            'process_isolation = "forkserver"',
            'forkserver_warmup = "import"',
            f"preload_modules_file = {json.dumps(str(work / 'preload.txt'))}",
            "timeout_multiplier = 5.0",
            "timeout_constant = 5.0",
            "use_git_change_detection = false",
            "",
        ]
    )
    (work / "preload.txt").write_text("\n".join(PRELOAD) + "\n")
    text = (ROOT / "pyproject.toml").read_text() + section
    target = work / "pyproject.toml"
    if not target.is_file() or target.read_text() != text:
        target.write_text(text)


def mutmut(work: Path, *args: str, log: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m mutmut ARGS`` in the snapshot (the plugin importable as ``mutation``).

    With ``log``, its output goes to the end of that file (and is not returned).
    """
    env = dict(os.environ)
    # The mutants on the path too, for tests that run Python in a subprocess. It must
    # exist before Python starts, or the import system skips it for good.
    (work / "mutants" / "src").mkdir(parents=True, exist_ok=True)
    paths = [str(ROOT / "scripts"), str(work / "mutants" / "src")]
    env["PYTHONPATH"] = os.pathsep.join([*paths, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    command = [sys.executable, "-m", "mutmut", *args]
    if log is None:
        return subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
    with log.open("a") as out:
        out.write(f"\n$ {' '.join(command)}\n")
        out.flush()
        done = subprocess.run(command, cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT)
    return subprocess.CompletedProcess(command, done.returncode, "", "")


def snapshot_commit() -> str:
    """The checkout's commit, and whether the engine or the tests have changed since."""
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", *(str(ENGINE), "tests")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    commit = done.stdout.strip() or "unknown"
    return f"`{commit}`" + (" with uncommitted changes" if dirty.stdout.strip() else "")
