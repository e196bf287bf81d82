"""Every script in examples/ runs (the study's output is checked in test_sim_sweep.py).

Scripts run as a user would run them, in a fresh directory, with environment
variables that keep them small (``STUDY_SESSIONS``). A new script is picked up
automatically; one that fails to run fails here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))
#: The scripts, those that use the simulation toolkit marked as needing the sim extra.
PARAMS = [
    pytest.param(script, marks=pytest.mark.sim)
    if "peersupport.sim" in script.read_text(encoding="utf-8")
    or "import sim" in script.read_text(encoding="utf-8")
    else script
    for script in SCRIPTS
]
#: Keeps each example small enough for the test suite.
QUICK = {"STUDY_SESSIONS": "4", "MPLBACKEND": "Agg"}


def test_there_are_examples() -> None:
    """The glob finds the example scripts (so the test below is not vacuous)."""
    assert "study.py" in [script.name for script in SCRIPTS]


@pytest.mark.parametrize("script", PARAMS, ids=lambda path: path.name)
def test_example_runs(script: Path, tmp_path: Path) -> None:
    """The script exits with 0 and prints something, run from an empty directory."""
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, **QUICK},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
