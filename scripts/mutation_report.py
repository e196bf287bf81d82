"""The markdown report of the mutation runs (``docs/testing/mutation.md``).

The score of each module, the killed, timed-out and surviving counts, what is left
to run with an estimate of its time, and every surviving mutant with its place and
diff, marked *equivalent* (with the reason) or *gap*.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from mutation_results import STATUSES, Module, count_mutants
from mutation_run import ROOT, engine_modules

DEFAULT_REPORT = ROOT / "docs" / "testing" / "mutation.md"

#: The opening of the report: what it measures and how to run it.
INTRO = """# Mutation testing

How much of the engine the tests check: `scripts/mutation.py` runs
[mutmut](https://mutmut.readthedocs.io/) over `src/peersupport/engine/`, each
mutant against the engine's and the conformance kit's fast tests. A mutant is
*killed* when a test fails (or loops: *timeout*); a *survivor* is a change no
test noticed, and is either *equivalent* (it cannot change what the engine does;
the reason is given) or a *gap* in the tests. The score is killed / (checked -
equivalent). The target (issue 15) is at least 90 % per module.

This page is written by the script; do not edit it by hand (explanations of
equivalent mutants live in `scripts/mutation_equivalents.toml`, one by one or, for
a refusal's actor that the action re-labels anyway, as a family per module).

What kills most mutants: the refusals checked word for word (who, what, why, which
rule), logs edited one fact at a time that restore or verify must refuse with the
line and the reason, the golden logs of `tests/data/golden/` (what the engine
records, field by field), and the conformance kit's runs.

```text
nice -n 15 .venv/bin/python scripts/mutation.py deadlines floor   # some modules
nice -n 15 .venv/bin/python scripts/mutation.py                   # the whole engine
```
""".splitlines()

#: The part of the report that explains the tool and its set-up (measured for issue 15).
HOW = """## Why mutmut, and how it is set up

Measured on `deadlines.py` with the same tests, one worker under `nice -n 15` on the
shared 2-core machine:

* mutmut 3.8 made 101 mutants and ran them all in 16 min. For each mutant it runs
  only the tests that reach the mutated function (it maps them in one run of the
  tests first), fastest first, up to the first failure: a killed mutant took 0.7 s
  (median), a survivor about 25 s. It mutates a copy of the sources; the checkout is
  never touched.
* cosmic-ray 8.7 made 235 mutants and ran 19 in 10 min (32 s each) before it was
  stopped: every mutant runs the whole selection in a new process. It mutates the
  source in place, and the stopped run left a mutant in it.

mutmut, then. What the script adds to make it fit this project:

* The tests import the package afresh for every mutant (mutmut's fork server with
  no warm-up but third-party modules). The built-in formats and the event table are
  built when the package is imported; with mutmut's default (forking a process that
  has imported it already) a mutant of that code is never what the tests see: in a
  first run that way all 33 mutants of `kinds.py` "survived"; with fresh imports the
  tests kill 31 of them. It costs about a second a mutant.
* A function that runs while the tests are imported counts as reached by every
  test (mutmut would credit the first test alone).
* Each test of a mutant gets a CPU time limit (10 s plus `--test-timeout` times its
  usual time), and so do its imports (60 s: the formats are built then), so a
  mutant that makes the engine loop is a timeout in seconds rather than after
  mutmut's own limit for the whole run (about an hour for a mutant of code run at
  import, which every test reaches). Timeouts count as killed.
* Hypothesis is derandomized, so a mutant's result does not depend on luck, at 20
  examples a test (the suite's own runs use 100); the kit runs of the catalogue
  of broken plugins are left out (34 of 500 examples each when this was measured:
  two thirds of a survivor's time, and a test of the kit rather than of the engine).
""".splitlines()


def percent(value: float | None) -> str:
    """A score as a percentage (``n/a`` for none)."""
    return "n/a" if value is None else f"{100 * value:.1f} %"


def minutes(seconds: float) -> str:
    """A duration in seconds or, from 90 s, in minutes."""
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"


def _scores(modules: list[Module], seconds: float, mutants: object, per_mutant: float) -> list[str]:
    """The table of scores per module, with the time the runs took."""
    rows = []
    totals: Counter[str] = Counter()
    for module in modules:
        counts = {status: module.count(status) for status in STATUSES}
        totals.update(counts)
        totals["equivalent"] += module.equivalents
        totals["total"] += len(module.mutants)
        rows.append(
            f"| `{module.path.name}` | {len(module.mutants)} | {counts['killed']} "
            f"| {counts['timeout']} | {counts['survived']} | {module.equivalents} "
            f"| {counts['no tests']} | {counts['error']} | {counts['not checked']} "
            f"| {percent(module.score)} |"
        )
    killed = totals["killed"] + totals["timeout"]
    checked = totals["total"] - totals["not checked"] - totals["error"] - totals["equivalent"]
    return [
        "## Score per module",
        "",
        "| module | mutants | killed | timeout | survived | of them equivalent | no tests "
        "| error | not run | score |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *rows,
        f"| **all** | {totals['total']} | {totals['killed']} | {totals['timeout']} "
        f"| {totals['survived']} | {totals['equivalent']} | {totals['no tests']} "
        f"| {totals['error']} | {totals['not checked']} "
        f"| {percent(killed / checked if checked else None)} |",
        "",
        f"Time: {minutes(seconds)} of `mutmut run` for {mutants} mutants, "
        f"{per_mutant:.1f} s a mutant on average (wall time times workers: a run with "
        "`--workers 2` counts twice), under `nice -n 15` on a shared 2-core machine (the "
        "runs include mutmut's stats run, which maps the tests to the functions they call, "
        "about a minute).",
        "",
    ]


def _not_run(modules: list[Module], per_mutant: float) -> list[str]:
    """The mutants not run yet, with an estimate of their time (nothing if none)."""
    done = {m.path for m in modules}
    partial: list[tuple[Path, int | None]] = [
        (m.path, m.count("not checked")) for m in modules if m.count("not checked")
    ]
    missing = partial + [(p, count_mutants(p)) for p in engine_modules() if p not in done]
    if not missing:
        return []
    estimate = 0.0
    table = []
    for path, count in missing:
        guess = None if count is None else count * per_mutant
        estimate += guess or 0.0
        table.append(
            f"| `{path.name}` | {'?' if count is None else count} "
            f"| {'?' if guess is None else minutes(guess)} |"
        )
    return [
        "## Not run yet",
        "",
        "| module | mutants not run | estimated time |",
        "| --- | ---: | ---: |",
        *table,
        "",
        f"Estimated at the average time per mutant above: {minutes(estimate)} in all "
        "(a rough guess: a module whose functions run when the package is imported, "
        "like `chart.py`, tests each mutant with every test, and a survivor there "
        "costs about a minute).",
        "",
    ]


def _survivors(modules: list[Module]) -> list[str]:
    """Every surviving mutant with its place, its verdict and its diff."""
    lines = []
    for module in modules:
        survivors = [m for m in module.mutants if m.status == "survived"]
        if not survivors:
            continue
        lines += [f"### `{module.path.name}`", ""]
        for mutant in survivors:
            place = f"{module.path.as_posix()}:{mutant.line}" if mutant.line else module.path
            verdict = (
                f"**equivalent**: {mutant.equivalent}"
                if mutant.equivalent is not None
                else "**gap**: no test notices this change."
            )
            lines += [
                f"`{mutant.name.rpartition('.')[2]}` in `{mutant.function}`, `{place}`: {verdict}",
                "",
                "```diff",
                *[line for line in mutant.diff.splitlines() if not line.startswith(("---", "+++"))],
                "```",
                "",
            ]
    return ["## Surviving mutants", "", *(lines or ["None.", ""])]


def render(
    modules: list[Module],
    settings: Mapping[str, object],
    timing: Mapping[str, object],
    carried: str | None = None,
) -> str:
    """The markdown report.

    ``settings`` are those of the run, ``timing`` the ``seconds`` and the number of
    ``mutants`` of the runs so far, ``carried`` what results were carried over from
    earlier runs and how (``None``: none).
    """
    seconds = float(str(timing.get("seconds", 0.0)))
    mutants = timing.get("mutants", 0)
    per_mutant = seconds / max(1, int(str(mutants)))
    lines = [
        *INTRO,
        "",
        "Settings of the run: " + ", ".join(f"{k} {v}" for k, v in settings.items()) + ".",
        "",
        *([f"Carried over: {carried}.", ""] if carried else []),
        "The results of each mutant are kept in `docs/testing/mutation-results.json` "
        "(mutmut's hash of each function and the exit code of each of its mutants), so "
        "a run on another machine goes on from them.",
        "",
        *HOW,
        "",
        *_scores(modules, seconds, mutants, per_mutant),
        *_not_run(modules, per_mutant),
        *_survivors(modules),
    ]
    return "\n".join(lines)
