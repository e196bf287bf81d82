"""Mutation testing of the engine (``src/peersupport/engine/``) with mutmut 3.

Slow, so not part of CI. It needs the ``mutation`` extra
(``.venv/bin/pip install -e '.[mutation]'``) and installs nothing itself::

    nice -n 15 .venv/bin/python scripts/mutation.py deadlines floor   # some modules
    nice -n 15 .venv/bin/python scripts/mutation.py                   # the whole engine
    .venv/bin/python scripts/mutation.py --report-only                # rewrite the report

What it does:

* Snapshots the checkout (``src``, ``tests``, ``docs``, ``conftest.py`` and
  ``pyproject.toml`` with a ``[tool.mutmut]`` section added) into ``.mutation/``
  (ignored by git) and runs ``mutmut run --max-children N`` there (``--workers``,
  1 by default: the machine stays usable). mutmut mutates
  its own copy (``.mutation/mutants/``); the checkout is never touched.
* The test is the engine's and the kit's fast tests (``TESTS``), with
  hypothesis derandomized at ``--examples`` examples per test (20 by default; CI
  runs 100) and without the catalogue of broken plugins (``SKIP``: 41 kit runs
  of 100 examples each, most of the time of a surviving mutant, and a test of
  the kit rather than of the engine; ``--all-tests`` keeps it). mutmut runs, for each
  mutant, only the tests that reach the mutated function, fastest first, stopping at
  the first failure.
* Every mutant's tests run in a new process that imports the package afresh
  (mutmut's fork server), because the built-in formats and the event table are
  built when the package is imported: with mutmut's default, forking a process that
  has imported it already, a mutant of that code is never what the tests see.
* Results are kept: the next run tests only new mutants and those of functions
  changed since (mutmut compares each function's source). Modules run once stay in
  the run, and a run tests their new or changed mutants too, unless ``--only``: then
  it tests only the named modules' mutants not run yet (it lists them before mutmut
  mutates the functions changed since, so after changing a named module's functions,
  run it twice). ``--rerun-survivors`` tests again only the survivors not explained as
  equivalent (after writing tests for them) and mutants whose run failed in mutmut's
  worker.
  ``--fresh`` starts again; changing the tests or ``--examples`` makes mutmut run
  every mutant again.
* The results are also kept in git, in ``docs/testing/mutation-results.json``
  (``mutation_record.py``): on a machine without a snapshot, mutmut starts from them,
  and keeps each while its function is unchanged. Commit it with the report.
* Writes a markdown report (default ``docs/testing/mutation.md``): the score of each
  module, the killed, timed-out and surviving counts, and every surviving mutant
  with its place and diff, marked *equivalent* (with the reason, from
  ``scripts/mutation_equivalents.toml``) or *gap*, and what is left to run.

The work is done by the modules beside this file:

* ``mutation_cli.py``: the command line, and what has run so far (``.mutation/run.json``);
* ``mutation_run.py``: the snapshot, mutmut's configuration and running mutmut
  (``TESTS``, ``SKIP``);
* ``mutation_plugin.py``: the pytest plugin of mutmut's runs;
* ``mutation_results.py``: reading mutmut's results;
* ``mutation_record.py``: keeping them in git;
* ``mutation_equivalents.py``: matching survivors with ``mutation_equivalents.toml``;
* ``mutation_report.py``: writing the report.

mutmut's runs load this file as the pytest plugin (``-p mutation``), so it exposes
the plugin's hooks: the plugin's name is among the pytest arguments mutmut
fingerprints, and a new name would make it test every mutant again.
"""

from __future__ import annotations

import sys

from mutation_plugin import (
    pytest_addoption,
    pytest_collection_finish,
    pytest_collection_modifyitems,
    pytest_collectreport,
    pytest_configure,
    pytest_ignore_collect,
    pytest_load_initial_conftests,
    pytest_runtest_protocol,
)

__all__ = [
    "pytest_addoption",
    "pytest_collection_finish",
    "pytest_collection_modifyitems",
    "pytest_collectreport",
    "pytest_configure",
    "pytest_ignore_collect",
    "pytest_load_initial_conftests",
    "pytest_runtest_protocol",
]

if __name__ == "__main__":
    from mutation_cli import main

    sys.exit(main())
