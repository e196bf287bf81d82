"""Tests that need an optional extra: marked, skipped with the command that runs them.

The default test run (``python3 dev.py test``) installs only the ``test`` extra.
Tests of the simulation toolkit need the ``sim`` extra (``python3 dev.py
test-sim``) and the cross-checks against PySAL and scipy the ``crosscheck``
extra (``python3 dev.py crosscheck``). They carry the ``sim`` or ``crosscheck``
marker: a test module marks itself (and skips itself with ``importorskip``);
documentation examples are marked here, by page or by the command they run.
Where the extra is missing, a marked test skips, saying which command runs it.
The documentation site's browser tests (``tests/browser``, marker ``browser``) need
Playwright, from the ``browser`` extra (``python3 dev.py test-browser``).

Those commands set ``PEERSUPPORT_NO_SKIP=1``: a run that skipped anything then
fails, so ``.ci/run`` cannot pass with the extra's tests silently skipped.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
#: What each marker needs installed, and the command that installs it and runs its tests.
EXTRAS = {
    "sim": (("numpy", "pandas", "pyarrow", "matplotlib", "dask"), "python3 dev.py test-sim"),
    "crosscheck": (("inequality", "scipy"), "python3 dev.py crosscheck"),
    "browser": (("playwright", "starlette", "uvicorn"), "python3 dev.py test-browser"),
    "web": (("starlette", "uvicorn", "websockets", "jinja2"), "python3 dev.py test-browser"),
    "postgres": (("sqlalchemy", "psycopg"), "python3 dev.py test-postgres"),
}
#: Documentation pages all of whose examples need the ``sim`` extra.
SIM_PAGES = ("docs/simulation/", "docs/running-a-group.md")
#: Commands in a documentation example that need the ``sim`` extra.
SIM_COMMANDS = ("peersupport simulate",)


def _missing(marker: str) -> list[str]:
    modules, _ = EXTRAS[marker]
    return [name for name in modules if importlib.util.find_spec(name) is None]


def _needs_sim(item: pytest.Item) -> bool:
    """Whether a documentation example needs the ``sim`` extra."""
    path = Path(str(item.path)).resolve().relative_to(ROOT).as_posix()
    if not path.startswith("docs/"):
        return False
    if path.startswith(SIM_PAGES):
        return True
    text = str(getattr(getattr(item, "example", None), "parsed", ""))
    return any(command in text for command in SIM_COMMANDS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark documentation examples that need an extra; skip marked tests whose extra is missing."""
    missing = {marker: _missing(marker) for marker in EXTRAS}
    for item in items:
        if _needs_sim(item):
            item.add_marker(pytest.mark.sim)
        for marker, (_, command) in EXTRAS.items():
            if missing[marker] and item.get_closest_marker(marker) is not None:
                reason = f"needs the {marker} extra ({', '.join(missing[marker])}): {command}"
                item.add_marker(pytest.mark.skip(reason=reason))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under ``PEERSUPPORT_NO_SKIP=1``, fail a run that skipped any test."""
    if os.environ.get("PEERSUPPORT_NO_SKIP") != "1" or exitstatus:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter is not None else 0
    if skipped:
        reporter.write_line(
            f"PEERSUPPORT_NO_SKIP=1: {skipped} test(s) skipped; this run must skip none",
            red=True,
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
