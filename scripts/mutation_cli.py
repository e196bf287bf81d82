"""The command line of ``scripts/mutation.py``: run mutmut, then write the report.

What was run is kept in ``.mutation/run.json`` (the modules, the settings and the
time so far), so a later run adds to it and ``--report-only`` rewrites the report;
the results themselves are also kept in git (``mutation_record.py``), so a run on
another machine goes on from them.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mutation_record import RECORD, export, load, module_name, seed
from mutation_report import DEFAULT_REPORT, minutes, percent, render
from mutation_results import collect, count_checked, exit_codes
from mutation_run import (
    COPY,
    ROOT,
    TESTS,
    WORK,
    engine_modules,
    mutmut,
    mutmut_pytest_args,
    resolve,
    snapshot_commit,
    sync,
    write_config,
)

#: What has run so far: the modules, the settings of the last run and the time.
RUN = WORK / "run.json"
#: mutmut's output.
LOG = WORK / "mutmut.log"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command's arguments."""
    parser = argparse.ArgumentParser(
        description="Mutation testing of the engine (src/peersupport/engine/) with mutmut 3."
    )
    parser.add_argument(
        "modules",
        nargs="*",
        help="engine modules (default: all; with --rerun-survivors or --report-only, those run)",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_REPORT, help="the report")
    parser.add_argument("--examples", type=int, default=20, help="hypothesis examples a test")
    parser.add_argument("--all-tests", action="store_true", help="keep the broken-plugin catalogue")
    parser.add_argument("--tests", nargs="+", default=list(TESTS), help="test files")
    parser.add_argument(
        "--test-timeout",
        type=float,
        default=10.0,
        help="a test's CPU limit: 10 s and this many times its usual time",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="mutants tested at once (mutmut's --max-children)"
    )
    parser.add_argument("--fresh", action="store_true", help="forget earlier results")
    parser.add_argument(
        "--rerun-survivors",
        action="store_true",
        help="test again only the survivors not explained as equivalent (after new tests), "
        "and mutants whose run failed in mutmut's worker",
    )
    parser.add_argument("--report-only", action="store_true", help="only write the report")
    parser.add_argument(
        "--only",
        action="store_true",
        help="test only the named modules' mutants not run yet (new or changed mutants of "
        "the modules run before stay not run)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run mutmut over the chosen engine modules and write the report."""
    args = parse_args(argv)
    if importlib.util.find_spec("mutmut") is None:
        print("mutmut is missing: .venv/bin/pip install -e '.[mutation]'", file=sys.stderr)
        return 2

    if args.fresh and WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(exist_ok=True)
    run = json.loads(RUN.read_text()) if RUN.is_file() else {}
    seeded = seed(WORK, run)
    if seeded:
        RUN.write_text(json.dumps(run, indent=1))
        print(f"results of {len(seeded)} modules taken from {RECORD.relative_to(ROOT)}")
    ran = [Path(p) for p in run.get("modules", [])]
    if args.modules:
        wanted = resolve(args.modules)
    elif ran and (args.rerun_survivors or args.report_only):
        wanted = ran  # the modules run so far
    else:
        wanted = engine_modules()
    modules = ran + [m for m in wanted if m not in ran]
    started = time.monotonic()

    if not args.report_only:
        failed = run_mutmut(args, run, ran, modules, started)
        if failed:
            return failed
    elif not run:
        print("nothing has run yet", file=sys.stderr)
        return 1

    if not all((WORK / "mutants" / m).is_file() for m in modules if exit_codes(WORK, m)):
        # results taken from the record, but mutmut has not mutated the modules here yet
        # (the survivors' diffs need its mutants): a run makes them (and tests what is left)
        print("mutmut has made no mutants here yet: run scripts/mutation.py first")
        return 1
    written = export(WORK, run)
    print(f"results of {written} modules written to {RECORD.relative_to(ROOT)}")
    results = collect(WORK, modules)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        render(results, run.get("settings", {}), run.get("timing", {}), load().get("carried over"))
    )
    for result in results:
        print(
            f"{result.path.name:16} {result.killed:4}/{result.checked - result.equivalents:<4} "
            f"killed, {result.count('survived')} survived ({result.equivalents} equivalent), "
            f"score {percent(result.score)}"
        )
    print(f"report: {args.output} ({minutes(time.monotonic() - started)})")
    return 0


def only_names(paths: list[Path]) -> list[str]:
    """The names of the mutants of ``paths`` not run yet (all of a module not mutated yet).

    (mutmut runs every mutant it is given by name, even one with a result.)
    """
    names = []
    for path in paths:
        codes = exit_codes(WORK, path)
        module = module_name(path)
        if codes is None:
            names.append(f"{module}.*")
        else:
            names += [name for name, code in codes.items() if code is None]
    return names


def run_mutmut(
    args: argparse.Namespace,
    run: dict[str, Any],
    ran: list[Path],
    modules: list[Path],
    started: float,
) -> int:
    """Update the snapshot and run mutmut over ``modules``; record it in ``run``.

    ``ran`` are the modules of the runs before. Returns 1 if mutmut failed, else 0.
    """
    run["settings"] = {
        "hypothesis examples a test": args.examples,
        "tests": " ".join(Path(t).name for t in args.tests),
        "catalogue of broken plugins": "included" if args.all_tests else "left out",
        "snapshot of": snapshot_commit(),
    }
    copied = sum(sync(ROOT / name, WORK / name) for name in COPY)
    arguments = mutmut_pytest_args(args.examples, args.tests, args.all_tests, args.test_timeout)
    write_config(WORK, modules, arguments)
    stats = WORK / "mutants" / "mutmut-stats.json"
    if modules != ran and stats.is_file():
        stats.unlink()  # new modules: map the tests to their functions again
    for module in modules:
        if module not in ran:  # mutmut takes a plain copy newer than the source as done
            for suffix in ("", ".meta", ".spans"):
                (WORK / "mutants" / f"{module}{suffix}").unlink(missing_ok=True)
    run["modules"] = [m.as_posix() for m in modules]
    RUN.write_text(json.dumps(run, indent=1))
    print(f"snapshot in {WORK} ({copied} files updated); mutmut's log: {LOG}")
    print("mutating", ", ".join(m.name for m in modules))
    names = []
    if args.rerun_survivors:  # unexplained survivors, mutants no test reached, worker errors
        names = [
            m.name
            for mod in collect(WORK, modules)
            for m in mod.mutants
            if m.status in ("no tests", "error")
            or (m.status == "survived" and m.equivalent is None)
        ]
        print(f"testing {len(names)} survivors again")
    elif args.only and args.modules:
        names = only_names(resolve(args.modules))
        print(f"testing only the mutants of {', '.join(m.name for m in resolve(args.modules))}")
    # With --only, count the named modules alone: mutmut forgets the results of the
    # changed functions of the others when it mutates them again, which is no work done.
    counted = resolve(args.modules) if args.only and args.modules else modules
    before = count_checked(WORK, counted)
    if names or not args.rerun_survivors:
        done = mutmut(WORK, "run", "--max-children", str(args.workers), *names, log=LOG)
    else:
        done = subprocess.CompletedProcess([], 0)
    rerun = args.rerun_survivors and names
    checked = len(names) if rerun else count_checked(WORK, counted) - before
    seconds = time.monotonic() - started
    timing = run.setdefault("timing", {"seconds": 0.0, "mutants": 0})
    # worker-seconds: with two workers, a mutant takes about as long as with one
    timing["seconds"] = round(timing["seconds"] + seconds * args.workers, 1)
    timing["mutants"] += max(0, checked)
    RUN.write_text(json.dumps(run, indent=1))
    if done.returncode:
        print(f"mutmut run failed ({done.returncode}); see {LOG}", file=sys.stderr)
        return 1
    return 0
