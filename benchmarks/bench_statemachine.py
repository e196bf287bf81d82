"""python-statemachine on its own: µs per chart instance and per event.

A standalone script (it does not import peersupport) so that it runs under any
interpreter that has python-statemachine installed, 2.x or 3.x, e.g.:

    /tmp/sm26/bin/python benchmarks/bench_statemachine.py     # 2.6.0
    /tmp/sm32/bin/python benchmarks/bench_statemachine.py     # 3.2.2
    .venv/bin/python benchmarks/bench_statemachine.py --json

The chart is the shape of peersupport's sharing circle: five phases, opening ->
check_in -> sharing (self-loop ``new_round``) -> check_out -> closing, every
transition after the opening guarded with ``cond="round_complete"``. Only API
that exists in both 2.6 and 3.2 without deprecation warnings is used
(``send``, ``current_state_value``). Each timing is the median of several
repeats after one warm-up run.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import statemachine
from statemachine import State, StateMachine

perf = time.perf_counter


def define_chart() -> type[StateMachine]:
    """Define (and so build and validate) the chart class; returns the class."""

    class Circle(StateMachine):
        opening = State("Opening", initial=True)
        check_in = State("Check-in")
        sharing = State("Sharing")
        check_out = State("Check-out")
        closing = State("Closing", final=True)

        advance = (
            opening.to(check_in)
            | check_in.to(sharing, cond="round_complete")
            | sharing.to(check_out, cond="round_complete")
            | check_out.to(closing, cond="round_complete")
        )
        new_round = sharing.to(sharing, cond="round_complete")

        def round_complete(self) -> bool:
            return True

    return Circle


Circle = define_chart()


def check() -> None:
    """Fail loudly if the chart does not walk as expected in this version."""
    sm = Circle()
    assert sm.current_state_value == "opening"
    sm.send("advance")
    sm.send("advance")
    sm.send("new_round")
    assert sm.current_state_value == "sharing"
    sm.send("advance")
    sm.send("advance")
    assert sm.current_state_value == "closing"


def measure(run: Callable[[], tuple[float, int]], repeats: int) -> dict[str, float]:
    """Warm up once, then median/min/max of µs per unit over ``repeats`` runs."""
    run()
    samples = []
    for _ in range(repeats):
        gc.collect()
        elapsed, units = run()
        samples.append(elapsed / units * 1e6)
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples)}


def bench(repeats: int, n: int) -> dict[str, Any]:
    def define() -> tuple[float, int]:
        k = max(1, n // 20)
        t0 = perf()
        for _ in range(k):
            define_chart()
        return perf() - t0, k

    def instantiate() -> tuple[float, int]:
        t0 = perf()
        for _ in range(n):
            Circle()
        return perf() - t0, n

    def self_loop() -> tuple[float, int]:
        sm = Circle()
        sm.send("advance")
        sm.send("advance")
        send = sm.send
        t0 = perf()
        for _ in range(n):
            send("new_round")
        return perf() - t0, n

    def walk() -> tuple[float, int]:
        k = n // 4
        t0 = perf()
        for _ in range(k):
            sm = Circle()
            for _ in range(4):
                sm.send("advance")
        return perf() - t0, k

    return {
        "us_per_class_definition": measure(define, repeats),
        "us_per_instance": measure(instantiate, repeats),
        "us_per_event": measure(self_loop, repeats),
        "us_per_walk": measure(walk, repeats),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--repeats", type=int, default=7, help="repeats per timing (median)")
    parser.add_argument("-n", type=int, default=1_000, help="instances/events per repeat")
    args = parser.parse_args(argv)

    check()
    res = {
        "python-statemachine": statemachine.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "repeats": args.repeats,
        "n": args.n,
        **bench(args.repeats, args.n),
    }
    if args.json:
        json.dump(res, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    print(
        f"python-statemachine {res['python-statemachine']} on Python {res['python']} "
        f"({res['cpus']} CPUs); medians of {args.repeats} repeats"
        + (f"; load average at start {load:.2f}" if (load := res["load_average_1min"]) else "")
    )
    rows = [
        ("define the chart class", "us_per_class_definition"),
        ("instantiate the chart", "us_per_instance"),
        ("send one event (guarded self-loop)", "us_per_event"),
        ("instance + 4 guarded advances to final", "us_per_walk"),
    ]
    for label, key in rows:
        r = res[key]
        print(f"  {label:<40} {r['median']:>9,.1f} µs  (min {r['min']:,.1f}, max {r['max']:,.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
