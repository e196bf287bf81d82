"""The pytest plugin of the mutation runs (``scripts/mutation.py``).

mutmut's runs load it as ``-p mutation`` (``scripts/mutation.py`` re-exports these
hooks; the plugin's name is part of the pytest arguments that mutmut fingerprints, so
renaming it would make mutmut test every mutant again). Its hooks set the hypothesis
profile, select the tests, map functions run at import to every test, run a mutant's
fastest tests first, give each of its tests a CPU time limit (a mutant that makes a
test loop forever counts as a timeout after 10 s plus ``--test-timeout`` times the
test's usual time) and its imports one too (``IMPORT_LIMIT``: a mutant of code run at
import that loops forever would otherwise run until mutmut's own limit for the whole
run, about an hour for a function every test reaches), and count a mutant that breaks
the tests' imports as killed.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import signal
from collections.abc import Generator
from pathlib import Path
from types import FrameType

import pytest

#: The exit code of a mutant's run that overran its CPU time (mutmut's timeout code).
TIMEOUT_EXIT = 36
#: CPU seconds a mutant's run may spend loading the conftest and collecting the tests
#: (which import the package and so build the formats); about 3 s without a mutant.
IMPORT_LIMIT = 60.0


def pytest_addoption(parser: pytest.Parser) -> None:
    """The options the runner passes through mutmut's ``pytest_add_cli_args``."""
    group = parser.getgroup("mutation", "mutation testing (scripts/mutation.py)")
    group.addoption("--mutation-examples", type=int, default=None)
    group.addoption("--mutation-tests", default="", help="comma-separated test files")
    group.addoption("--mutation-skip", default="", help="comma-separated node id parts")
    group.addoption("--mutation-test-timeout", type=float, default=10.0)


def pytest_configure(config: pytest.Config) -> None:
    """Derandomized hypothesis with the chosen number of examples.

    (It still shrinks a failure, which a mutant does not need, but one test checks
    that the kit's settings keep the profile's shrinking.)
    """
    examples = config.getoption("--mutation-examples")
    if examples is None:
        return
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "mutation",
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=False,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.load_profile("mutation")


def _mutant() -> bool:
    """Whether this process tests a mutant (rather than mapping or checking the tests)."""
    return "__mutmut_" in os.environ.get("MUTANT_UNDER_TEST", "")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> Generator[None, None, None]:
    """Mutmut's forced-fail check, and a mutant that breaks the conftest is killed.

    The tests' conftest builds a format when imported, so in mutmut's run that
    checks that a test fails when every mutated function raises, it is the conftest
    that fails, which pytest reports as a usage error and mutmut as a broken test
    command. This checks what that run is for instead: that the tests import the
    mutated package (then it raises the exception mutmut expects).
    """
    if _mutant():  # until the tests are collected (pytest_collection_finish)
        signal.signal(signal.SIGPROF, _on_time_limit)
        signal.setitimer(signal.ITIMER_PROF, IMPORT_LIMIT)
    if os.environ.get("MUTANT_UNDER_TEST") == "fail":
        import peersupport

        mutants = (Path.cwd() / "src").resolve()
        if Path(str(peersupport.__file__)).resolve().is_relative_to(mutants):
            failure = importlib.import_module("mutmut.core").MutmutProgrammaticFailException
            raise failure("the tests import the mutated package")
    try:
        return (yield)
    except Exception:
        if _mutant():
            os._exit(1)  # the mutant breaks the tests' setup: killed
        raise


def pytest_collectreport(report: pytest.CollectReport) -> None:
    """A mutant that breaks importing a test module is killed (pytest would say interrupted)."""
    if report.failed and _mutant():
        os._exit(1)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Collect only the chosen test files."""
    chosen = [name for name in config.getoption("--mutation-tests").split(",") if name]
    if not chosen or collection_path.suffix != ".py" or collection_path.name == "conftest.py":
        return None
    root = Path(str(config.rootpath)).resolve()
    try:
        relative = collection_path.resolve().relative_to(root).as_posix()
    except ValueError:
        return None
    return True if relative not in chosen else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the tests ``--mutation-skip`` names; for a mutant, run the fastest first.

    (mutmut's fork server runs a mutant's tests in no particular order.)
    """
    skip = [part for part in config.getoption("--mutation-skip").split(",") if part]
    dropped = [item for item in items if any(part in item.nodeid for part in skip)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]
    if _mutant():
        durations = _usual_durations()
        items.sort(key=lambda item: durations.get(item.nodeid, 5.0))


def pytest_collection_finish(session: pytest.Session) -> None:
    """End a mutant's time limit on imports; in the stats run, map imports to every test.

    mutmut gives each test the mutated functions it ran. Functions run while the
    tests are imported (a format's phases and the event table are built then) would
    go to the first test alone; but they shape every test, so every test counts.
    """
    if _mutant():
        signal.setitimer(signal.ITIMER_PROF, 0)
    if os.environ.get("MUTANT_UNDER_TEST") != "stats":
        return
    state = importlib.import_module("mutmut.state").state
    imported = set(state()._stats)
    state()._stats.clear()
    tests = {item.nodeid for item in session.items}
    for name in imported:
        state().tests_by_mangled_function_name[name] |= tests


@functools.cache
def _usual_durations() -> dict[str, float]:
    """Each test's time in mutmut's stats run (in the directory the tests run in)."""
    try:
        stats = json.loads(Path("mutmut-stats.json").read_text())
        return {str(k): float(v) for k, v in stats["duration_by_test"].items()}
    except (OSError, ValueError, KeyError):
        return {}


def _on_time_limit(signum: int, frame: FrameType | None) -> None:
    os._exit(TIMEOUT_EXIT)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    """In a mutant's run, end the process as a timeout when a test overruns its CPU time.

    The limit covers the test's setup too: a fixture can loop as well as a test.
    """
    if not _mutant():
        return (yield)
    factor = float(item.config.getoption("--mutation-test-timeout"))
    limit = 10.0 + factor * _usual_durations().get(item.nodeid, 5.0)
    previous = signal.signal(signal.SIGPROF, _on_time_limit)
    signal.setitimer(signal.ITIMER_PROF, limit)
    try:
        return (yield)
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
