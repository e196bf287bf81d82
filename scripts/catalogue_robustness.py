"""How often the conformance kit catches each broken plugin of the catalogue, seed by seed.

``tests/test_kit_catches_bugs.py`` runs every entry of the catalogue
(``tests/kit_catalogue.py``) once, derandomized, with the active hypothesis profile
(``ci``: 100 sessions). One fixed sequence of draws can find a bug by luck; this
script runs each entry with seeds 0, 1, … instead and reports, per entry, in how
many runs the kit named the entry's invariant (another invariant counts as caught,
listed apart) and how many sessions it took (the median over the runs that caught it).
It is slow (minutes), so it is not in CI::

    .venv/bin/python scripts/catalogue_robustness.py --seeds 10 [--examples 100] [--only ID,ID]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))

from hypothesis.stateful import run_state_machine_as_test  # noqa: E402

import peersupport as ps  # noqa: E402
from checking import first_failure, seeded  # noqa: E402
from kit_catalogue import CATALOGUE, Entry  # noqa: E402
from peersupport.testing import ConformanceError, machine_for  # noqa: E402


def run(entry: Entry, k: int, examples: int) -> tuple[set[str], int, float]:
    """Run the kit on ``entry`` with seed ``k``: the invariants named, sessions run, seconds."""
    sessions = 0

    class Counted(machine_for(entry.format)):  # type: ignore[misc]
        def __init__(self) -> None:
            nonlocal sessions
            sessions += 1
            super().__init__()

    named: set[str] = set()
    started = time.perf_counter()
    try:
        run_state_machine_as_test(seeded(Counted, k), settings=first_failure(examples))
    except Exception as error:  # the kit raises one error, or a group of them
        found: Any = error.exceptions if isinstance(error, BaseExceptionGroup) else (error,)
        named = {e.invariant for e in found if isinstance(e, ConformanceError)} or {repr(error)}
    return named, sessions, time.perf_counter() - started


def main() -> int:
    """Run every (or the chosen) entry on each seed; print a table and a summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--only", default="", help="comma-separated entry ids")
    args = parser.parse_args()
    chosen = [e for e in CATALOGUE if not args.only or e.id in args.only.split(",")]
    print(f"{len(chosen)} entries, seeds 0..{args.seeds - 1}, {args.examples} sessions per run")
    print("| entry | caught (own invariant) | other invariant | median sessions | median s |")
    print("|---|---|---|---|---|")
    total = own_total = 0
    for entry in chosen:
        own = other = 0
        counts: list[int] = []
        seconds: list[float] = []
        for k in range(args.seeds):
            ps.plugins.add(entry.plugin(), entry.id)
            try:
                named, sessions, spent = run(entry, k, args.examples)
            finally:
                ps.plugins.remove(entry.id)
            if named:
                counts.append(sessions)
                seconds.append(spent)
            own += entry.invariant in named
            other += bool(named) and entry.invariant not in named
        total += own + other
        own_total += own
        median = statistics.median(counts) if counts else float("nan")
        spent_median = statistics.median(seconds) if seconds else float("nan")
        print(
            f"| {entry.id} | {own}/{args.seeds} | {other} | {median:g} | {spent_median:.1f} |",
            flush=True,
        )
    runs = len(chosen) * args.seeds
    print(f"caught in {total} of {runs} runs ({own_total} naming the entry's own invariant)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
