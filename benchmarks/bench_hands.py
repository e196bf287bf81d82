"""Per-action cost of the queue of raised hands, next to a seat-order share (issue 11).

    .venv/bin/python benchmarks/bench_hands.py             # 9 interleaved repeats, ~20 s
    .venv/bin/python benchmarks/bench_hands.py --quick --json
    .venv/bin/python benchmarks/bench_hands.py --profile progressive   # cProfile, top 30

What is timed, one action at a time, each call between two ``perf_counter_ns()``
readings (their own cost, measured in the same run, subtracted):

1. seat order (the reference): ``start_share`` of the member whose turn it is in
   ``sharing-circle``'s sharing phase, round after round (a member shares 0.1 s,
   ``end_share``, the next; ``new_round`` after each round; only ``start_share`` is
   timed);
2. a queue phase, in a chart ``opening -> discussion -> closing`` whose discussion
   has the turn policy ``raised-hands`` (first come) or ``progressive-hands``, no
   other rule, the same group and agreement: per cycle the eight members raise their
   hands in a shuffled order (``raise_hand`` timed, into a queue of 0 to 7), then
   either all hands go down in a shuffled order (``lower_hand`` timed) or the head
   of the queue takes the floor until nobody is left (``start_share`` of
   ``offered_to()`` timed, then 0.1 s and ``end_share``). The cycles alternate.

Group: a facilitator and members m1 .. m8, the agreement's limit 300 s (warning at
240 s), so no deadline falls on the timed path. One process, GC on (collected
before each run); after a warm-up, each repeat runs every workload, in an order
rotating between repeats. Reported: the median over the repeats of each action's
mean cost, its ratio to the seat-order share, and the median of the per-repeat
ratios (steadier on a noisy machine). The target is at most 1.5x.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import platform
import pstats
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import peersupport as ps
from peersupport.compiled import engine_compiled

FAC = "fac"
MEMBERS = tuple(f"m{i}" for i in range(1, 9))
SHARE_SECONDS = 0.1  # short: no deadline (warning, limit, budget) on the timed path
GROUP = ps.Group(
    name="bench-hands",
    roles={ps.Member(FAC, "Facilitator"): ps.Role.FACILITATOR}
    | {ps.Member(m, m.upper()): ps.Role.MEMBER for m in MEMBERS},
    agreement=ps.Agreement(share_limit=300.0, warn_at=240.0),
)
ns = time.perf_counter_ns

#: A timed workload: ``run(cycles)`` -> {action: (total ns, calls)}.
Workload = Callable[[int], dict[str, tuple[int, int]]]


def discussion(policy: str) -> ps.Format:
    """Opening, a long discussion under ``policy`` (no other rule), closing."""

    class Chart(ps.FormatChart):
        opening = ps.Phase("Opening", policy="facilitator-only", initial=True)
        discussion = ps.Phase("Discussion", policy=policy, budget=24 * 3600)
        closing = ps.Phase("Closing", policy="facilitator-only", final=True)
        advance = opening.to(discussion) | discussion.to(closing)

    return ps.Format.from_chart(f"bench-{policy}", Chart)


def seated(fmt: ps.Format) -> tuple[ps.Session, ps.ManualClock]:
    """Everyone arrived and consented, the facilitator advanced once (out of the opening)."""
    clock = ps.ManualClock()
    s = ps.Session(GROUP, fmt, clock=clock, hooks=False)
    for m in (FAC, *MEMBERS):
        s.arrive(m)
        s.consent(m)
    s.advance(by=FAC)
    return s, clock


def seat_order(cycles: int) -> dict[str, tuple[int, int]]:
    """``start_share`` in ``sharing-circle``'s sharing phase, ``cycles`` rounds of eight."""
    s, clock = seated(ps.formats.get("sharing-circle"))
    s.close_round(by=FAC)
    s.advance(by=FAC)  # check-in -> sharing
    assert s.phase.policy.offers is ps.Offer.NEXT_IN_ORDER
    start, end, tick, new_round = s.start_share, s.end_share, clock.advance, s.new_round
    total = calls = 0
    for _ in range(cycles):
        for m in MEMBERS:
            t0 = ns()
            start(m)
            total += ns() - t0
            tick(SHARE_SECONDS)
            end(m)
        s.pass_turn(FAC)
        new_round(by=FAC)
        calls += len(MEMBERS)
    return {"seat-order start_share": (total, calls)}


def queue(policy: str) -> Workload:
    """The queue actions under ``policy``, ``cycles`` cycles (see the module's docs)."""
    fmt = discussion(policy)

    def run(cycles: int) -> dict[str, tuple[int, int]]:
        s, clock = seated(fmt)
        assert s.phase.policy.offers is ps.Offer.QUEUE
        rng = random.Random(1)
        raise_, lower, start, end = s.raise_hand, s.lower_hand, s.start_share, s.end_share
        offered, tick = s.offered_to, clock.advance
        raised = lowered = took = 0
        n_raised = n_lowered = n_took = 0
        order = list(MEMBERS)
        for cycle in range(cycles):
            rng.shuffle(order)
            for m in order:
                t0 = ns()
                raise_(m)
                raised += ns() - t0
            n_raised += len(order)
            if cycle % 2:
                rng.shuffle(order)
                for m in order:
                    t0 = ns()
                    lower(m)
                    lowered += ns() - t0
                n_lowered += len(order)
            else:
                while (head := offered()) is not None:
                    t0 = ns()
                    start(head)
                    took += ns() - t0
                    tick(SHARE_SECONDS)
                    end(head)
                    n_took += 1
        return {
            f"{policy} raise_hand": (raised, n_raised),
            f"{policy} lower_hand": (lowered, n_lowered),
            f"{policy} start_share (head)": (took, n_took),
        }

    return run


def timer_cost(calls: int = 200_000) -> float:
    """Nanoseconds that two ``perf_counter_ns()`` readings around nothing add (median of 5)."""
    samples = []
    for _ in range(5):
        total = 0
        for _ in range(calls):
            t0 = ns()
            total += ns() - t0
        samples.append(total / calls)
    return statistics.median(samples)


WORKLOADS: dict[str, Workload] = {
    "seat-order": seat_order,
    "first come": queue("raised-hands"),
    "progressive": queue("progressive-hands"),
}
REFERENCE = "seat-order start_share"


def measure(repeats: int, cycles: int) -> dict[str, Any]:
    """Warm up, then ``repeats`` rounds of every workload in a rotating order."""
    names = list(WORKLOADS)
    for name in names:
        WORKLOADS[name](max(1, cycles // 10))
    overhead = timer_cost()
    per_repeat: list[dict[str, float]] = []
    for r in range(repeats):
        row: dict[str, float] = {}
        for name in names[r % len(names) :] + names[: r % len(names)]:
            gc.collect()
            for action, (total, calls) in WORKLOADS[name](cycles).items():
                row[action] = total / calls - overhead
        per_repeat.append(row)
    actions = list(per_repeat[0])
    medians = {a: statistics.median(row[a] for row in per_repeat) for a in actions}
    ratios = {a: statistics.median(row[a] / row[REFERENCE] for row in per_repeat) for a in actions}
    return {
        "timer_ns": overhead,
        "ns": medians,
        "ratio_of_medians": {a: medians[a] / medians[REFERENCE] for a in actions},
        "median_ratio": ratios,
        "ratio_range": {
            a: (
                min(row[a] / row[REFERENCE] for row in per_repeat),
                max(row[a] / row[REFERENCE] for row in per_repeat),
            )
            for a in actions
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--cycles", type=int, default=1500, help="rounds or cycles per run")
    parser.add_argument("--quick", action="store_true", help="3 repeats of 200 cycles")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--profile", choices=list(WORKLOADS), help="cProfile one workload")
    args = parser.parse_args()
    if args.quick:
        args.repeats, args.cycles = 3, 200
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(WORKLOADS[args.profile], args.cycles)
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)
        return
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    result = measure(args.repeats, args.cycles)
    result["meta"] = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "machine": platform.machine(),
        "compiled": engine_compiled(),
        "load_1min": load,
        "repeats": args.repeats,
        "cycles": args.cycles,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    meta = result["meta"]
    print(
        f"Python {meta['python']} ({'compiled' if meta['compiled'] else 'plain'}), "
        f"load {load:.2f}, {args.repeats} repeats x {args.cycles} cycles, "
        f"timer {result['timer_ns']:.0f} ns subtracted"
    )
    print(f"{'action':<36} {'µs':>7} {'x share':>8} {'per-repeat median (range)':>28}")
    for action, value in result["ns"].items():
        low, high = result["ratio_range"][action]
        print(
            f"{action:<36} {value / 1000:7.2f} {result['ratio_of_medians'][action]:7.2f}x"
            f" {result['median_ratio'][action]:12.2f}x ({low:.2f} to {high:.2f})"
        )


if __name__ == "__main__":
    main()
