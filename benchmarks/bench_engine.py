"""Benchmarks of the peersupport session engine (run by hand, not in CI).

    .venv/bin/python benchmarks/bench_engine.py            # readable table
    .venv/bin/python benchmarks/bench_engine.py --json     # machine-readable
    .venv/bin/python benchmarks/bench_engine.py --quick    # smoke run (fewer repeats)

Only the standard library is used for measuring (``time.perf_counter`` and
``tracemalloc``). Every timing is the median of several repeats (after one
warm-up run); the garbage collector stays enabled, as in real use, and is run
before each repeat. Sessions use a :class:`peersupport.ManualClock`, so no
measurement ever waits for real time.

What is measured:

1. one accepted action in a 12-member sharing-circle session (facilitator + 11
   members) in its sharing phase, round after round (``new_round`` keeps it
   going): start_share + end_share pairs, passes, and a mix of both;
2. creating a session, and a full set-up (12 arrivals + 12 consents);
3. memory per live session (12 members present, check-in round done);
4. a whole "circle-8x3" session end to end (8 members + facilitator; check-in,
   one sharing round, check-out; everyone shares or passes, durations drawn from
   ``random.Random(seed)``), next to the same study as a bare Python loop;
5. python-statemachine itself: instantiating the sharing-circle chart class and
   sending it an event, for whatever version this interpreter has.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import statemachine

import peersupport as ps

FMT_NAME = "sharing-circle"
FAC = "fac"
SHARE_SECONDS = 60.0  # under every warning point: no deadline events on the share path
P_PASS = 0.2  # circle-8x3: chance that a member passes
TARGET_SESSIONS_PER_S = 2_000  # reference target for circle-8x3 through the engine

perf = time.perf_counter


# ---------------------------------------------------------------------- helpers


def make_group(n_members: int, name: str = "bench") -> ps.Group:
    """A closed group: the facilitator first in seat order, then ``n_members`` members."""
    roles: dict[ps.Member, ps.Role] = {ps.Member(FAC, "Fay"): ps.Role.FACILITATOR}
    for i in range(1, n_members + 1):
        roles[ps.Member(f"m{i}", f"Member {i}")] = ps.Role.MEMBER
    return ps.Group(
        name=name, roles=roles, agreement=ps.Agreement(share_limit=300.0, warn_at=240.0)
    )


def ids(group: ps.Group) -> list[str]:
    return [m.id for m in group.members]


def set_up(group: ps.Group, fmt: ps.Format, clock: ps.ManualClock) -> ps.Session:
    s = ps.Session(group, fmt, clock=clock)
    for member in ids(group):
        s.arrive(member)
        s.consent(member)
    return s


def in_sharing(group: ps.Group, fmt: ps.Format) -> tuple[ps.Session, ps.ManualClock]:
    """A session in the sharing phase, round 1 not started by anyone yet."""
    clock = ps.ManualClock()
    s = set_up(group, fmt, clock)
    s.advance(by=FAC)  # opening -> check-in
    s.close_round(by=FAC)
    s.advance(by=FAC)  # check-in -> sharing
    assert s.phase.id == "sharing"
    return s, clock


def measure(run: Callable[[], tuple[float, int]], repeats: int) -> dict[str, float]:
    """Run ``run`` once to warm up, then ``repeats`` times; seconds per unit.

    ``run`` returns ``(elapsed seconds, units done)``.
    """
    run()
    samples = []
    for _ in range(repeats):
        gc.collect()
        elapsed, units = run()
        samples.append(elapsed / units)
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "repeats": repeats,
    }


def us(result: dict[str, float]) -> dict[str, float]:
    """Convert a seconds-per-unit result to microseconds per unit."""
    return {k: (v * 1e6 if k != "repeats" else v) for k, v in result.items()}


# ---------------------------------------------------------------------- 1. actions


def bench_actions(repeats: int, rounds: int) -> dict[str, Any]:
    fmt = ps.formats.get(FMT_NAME)
    group = make_group(11)
    # Seat order of a round: starting left of the facilitator, who speaks last.
    order = [*ids(group)[1:], FAC]

    def shares() -> tuple[float, int]:
        s, clock = in_sharing(group, fmt)
        start_share, end_share, new_round, tick = (
            s.start_share,
            s.end_share,
            s.new_round,
            clock.advance,
        )
        t0 = perf()
        for _ in range(rounds):
            for m in order:
                start_share(m)
                tick(SHARE_SECONDS)
                end_share(m)
            new_round(by=FAC)
        elapsed = perf() - t0
        return elapsed, rounds * len(order)  # per share (start + end)

    def passes() -> tuple[float, int]:
        s, _clock = in_sharing(group, fmt)
        pass_turn, new_round = s.pass_turn, s.new_round
        t0 = perf()
        for _ in range(rounds):
            for m in order:
                pass_turn(m)
            new_round(by=FAC)
        elapsed = perf() - t0
        return elapsed, rounds * len(order)  # per pass

    def new_rounds() -> tuple[float, int]:
        # A round closed at once, then a new one: close_round + new_round per unit.
        s, _clock = in_sharing(group, fmt)
        close_round, new_round = s.close_round, s.new_round
        t0 = perf()
        for _ in range(rounds):
            close_round(by=FAC)
            new_round(by=FAC)
        elapsed = perf() - t0
        return elapsed, rounds * 2

    def mixed() -> tuple[float, int]:
        # Two of three turns share, one passes; new_round counts as an action too.
        s, clock = in_sharing(group, fmt)
        start_share, end_share, pass_turn, new_round, tick = (
            s.start_share,
            s.end_share,
            s.pass_turn,
            s.new_round,
            clock.advance,
        )
        plan = [[(r + i) % 3 == 0 for i in range(len(order))] for r in range(3)]
        actions = 0
        t0 = perf()
        for r in range(rounds):
            for m, passing in zip(order, plan[r % 3], strict=True):
                if passing:
                    pass_turn(m)
                    actions += 1
                else:
                    start_share(m)
                    tick(SHARE_SECONDS)
                    end_share(m)
                    actions += 2
            new_round(by=FAC)
            actions += 1
        elapsed = perf() - t0
        return elapsed, actions

    return {
        "members": len(order),
        "rounds_per_repeat": rounds,
        "us_per_action_mixed": us(measure(mixed, repeats)),
        "us_per_share": us(measure(shares, repeats)),
        "us_per_pass": us(measure(passes, repeats)),
        "us_per_round_action": us(measure(new_rounds, repeats)),
    }


# ---------------------------------------------------------------------- 2. creation


def bench_creation(repeats: int, n: int) -> dict[str, Any]:
    fmt = ps.formats.get(FMT_NAME)
    group = make_group(11)
    clock = ps.ManualClock()
    session = ps.Session

    def construct() -> tuple[float, int]:
        t0 = perf()
        for _ in range(n):
            session(group, fmt, clock=clock)
        return perf() - t0, n

    def full() -> tuple[float, int]:
        t0 = perf()
        for _ in range(n // 10):
            set_up(group, fmt, clock)
        return perf() - t0, n // 10

    return {
        "us_per_session": us(measure(construct, repeats)),
        "us_per_setup_12": us(measure(full, repeats)),
    }


# ---------------------------------------------------------------------- 3. memory


def bench_memory(n_sessions: int) -> dict[str, Any]:
    fmt = ps.formats.get(FMT_NAME)
    group = make_group(11)

    def one() -> ps.Session:
        clock = ps.ManualClock()
        s = set_up(group, fmt, clock)
        s.advance(by=FAC)  # opening -> check-in
        while (m := s.offered_to()) is not None:
            s.start_share(m)
            clock.advance(SHARE_SECONDS)
            s.end_share(m)
        assert s.floor.complete()
        return s

    one()  # warm caches (format compiled, interned strings) before tracing
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        sessions = [one() for _ in range(n_sessions)]
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    per_session = (after - before) / n_sessions
    n_events = len(sessions[0].events)
    return {
        "sessions": n_sessions,
        "members": len(ids(group)),
        "events_per_session": n_events,
        "bytes_per_session": per_session,
        "bytes_per_event_avg": per_session / n_events,
    }


# ---------------------------------------------------------------------- 4. circle-8x3

# (phase, share limit in force, shortest and longest share in seconds)
CIRCLE_ROUNDS = (("check_in", 120.0, 20.0, 130.0), ("sharing", 300.0, 60.0, 330.0))
CIRCLE_ROUNDS += (("check_out", 120.0, 20.0, 130.0),)

Stats = tuple[dict[str, int], dict[str, int], dict[str, float], dict[str, float]]


def circle_session(rng: random.Random, group: ps.Group, fmt: ps.Format) -> ps.Session:
    """One circle-8x3 session through the engine, from opening to end."""
    clock = ps.ManualClock()
    s = ps.Session(group, fmt, clock=clock)
    for member in ids(group):
        s.arrive(member)
        s.consent(member)
    for _phase, _limit, lo, hi in CIRCLE_ROUNDS:
        s.advance(by=FAC)
        while (m := s.offered_to()) is not None:
            if rng.random() < P_PASS:
                s.pass_turn(m)
            else:
                s.start_share(m)
                clock.advance(rng.uniform(lo, hi))
                s.end_share(m)
    s.advance(by=FAC)  # -> closing
    s.end(by=FAC)
    return s


def circle_engine(rng: random.Random, group: ps.Group, fmt: ps.Format) -> Stats:
    """One circle-8x3 session through the engine; returns its fairness statistics."""
    state = circle_session(rng, group, fmt).state
    return state.shares, state.passes, state.speaking_time, state.overtime


def circle_bare(rng: random.Random, order: list[str]) -> Stats:
    """The same study as a bare Python loop: no checks, no log, no engine."""
    shares: dict[str, int] = {}
    passes: dict[str, int] = {}
    speaking: dict[str, float] = {}
    overtime: dict[str, float] = {}
    for _phase, limit, lo, hi in CIRCLE_ROUNDS:
        for m in order:
            if rng.random() < P_PASS:
                passes[m] = passes.get(m, 0) + 1
            else:
                d = rng.uniform(lo, hi)
                shares[m] = shares.get(m, 0) + 1
                speaking[m] = speaking.get(m, 0.0) + d
                if d > limit:
                    overtime[m] = overtime.get(m, 0.0) + d - limit
    return shares, passes, speaking, overtime


def _same(a: Stats, b: Stats) -> bool:
    def close(x: dict[str, Any], y: dict[str, Any]) -> bool:
        return x.keys() == y.keys() and all(
            math.isclose(x[k], y[k], rel_tol=1e-9, abs_tol=1e-6) for k in x
        )

    return all(close(x, y) for x, y in zip(a, b, strict=True))


def bench_circle(repeats: int, n: int, seed: int) -> dict[str, Any]:
    fmt = ps.formats.get(FMT_NAME)
    group = make_group(8, "circle-8x3")
    order = [*ids(group)[1:], FAC]

    # Both sides see the same random draws, so they must agree on the results.
    r1, r2 = random.Random(seed), random.Random(seed)
    for _ in range(50):
        if not _same(circle_engine(r1, group, fmt), circle_bare(r2, order)):
            raise AssertionError("engine and bare loop disagree on circle-8x3 statistics")

    def engine() -> tuple[float, int]:
        rng = random.Random(seed)
        t0 = perf()
        for _ in range(n):
            circle_engine(rng, group, fmt)
        return perf() - t0, n

    def bare() -> tuple[float, int]:
        k = n * 20  # ~40x cheaper than the engine: more sessions for a steady timing
        rng = random.Random(seed)
        t0 = perf()
        for _ in range(k):
            circle_bare(rng, order)
        return perf() - t0, k

    rng = random.Random(seed)
    events = [len(circle_session(rng, group, fmt).events) for _ in range(20)]

    e = measure(engine, repeats)
    b = measure(bare, repeats)
    return {
        "members": len(order),
        "sessions_per_repeat": {"engine": n, "bare": n * 20},
        "seed": seed,
        "events_per_session_avg": statistics.mean(events),
        "engine_sessions_per_s": 1.0 / e["median"],
        "engine_us_per_session": us(e),
        "bare_sessions_per_s": 1.0 / b["median"],
        "bare_us_per_session": us(b),
        "engine_over_bare": e["median"] / b["median"],
        "target_sessions_per_s": TARGET_SESSIONS_PER_S,
    }


# ---------------------------------------------------------------------- 5. python-statemachine


def bench_statemachine(repeats: int, n: int) -> dict[str, Any]:
    chart = ps.formats.get(FMT_NAME).chart

    def instantiate() -> tuple[float, int]:
        t0 = perf()
        for _ in range(n):
            chart()
        return perf() - t0, n

    def events() -> tuple[float, int]:
        sm = chart()
        sm.send("advance")
        sm.send("advance")  # -> sharing
        send = sm.send
        t0 = perf()
        for _ in range(n):
            send("new_round")  # guarded self-transition
        return perf() - t0, n

    def walk() -> tuple[float, int]:
        t0 = perf()
        for _ in range(n // 4):
            sm = chart()
            for _ in range(4):
                sm.send("advance")
        return perf() - t0, n // 4

    return {
        "version": statemachine.__version__,
        "us_per_instance": us(measure(instantiate, repeats)),
        "us_per_event": us(measure(events, repeats)),
        "us_per_walk": us(measure(walk, repeats)),
    }


# ---------------------------------------------------------------------- report


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "peersupport": ps.__version__,
        "python-statemachine": statemachine.__version__,
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


def table(res: dict[str, Any]) -> str:
    a, c, m, k, sm = (res[x] for x in ("actions", "creation", "memory", "circle", "statemachine"))
    rows: list[tuple[str, str, str]] = []

    def num(value: float) -> str:
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"

    def row(label: str, value: float, unit: str, spread: dict[str, float] | None = None) -> None:
        extra = f"(min {num(spread['min'])}, max {num(spread['max'])})" if spread else ""
        rows.append((label, f"{num(value)} {unit}", extra))

    rows.append((f"1. actions, sharing-circle, {a['members']} in the round", "", ""))
    row("  accepted action (2/3 share, 1/3 pass)", a["us_per_action_mixed"]["median"], "µs",
        a["us_per_action_mixed"])  # fmt: skip
    row("  share = start_share + end_share", a["us_per_share"]["median"], "µs", a["us_per_share"])
    row("  pass_turn", a["us_per_pass"]["median"], "µs", a["us_per_pass"])
    row("  close_round / new_round", a["us_per_round_action"]["median"], "µs",
        a["us_per_round_action"])  # fmt: skip
    rows.append(("2. creation", "", ""))
    row("  Session(...) constructor", c["us_per_session"]["median"], "µs", c["us_per_session"])
    row("  set-up: Session + 12 arrive + 12 consent", c["us_per_setup_12"]["median"], "µs",
        c["us_per_setup_12"])  # fmt: skip
    rows.append((f"3. memory, {m['sessions']:,} live sessions (12 present, 1 round)", "", ""))
    row("  per session", m["bytes_per_session"] / 1024, "KiB")
    row(f"  per event (avg of {m['events_per_session']} events/session)",
        m["bytes_per_event_avg"], "B")  # fmt: skip
    rows.append((f"4. circle-8x3 end to end (~{k['events_per_session_avg']:.0f} events)", "", ""))
    row("  engine", k["engine_sessions_per_s"], "sessions/s")
    row("  engine, per session", k["engine_us_per_session"]["median"], "µs",
        k["engine_us_per_session"])  # fmt: skip
    row("  bare Python loop", k["bare_sessions_per_s"], "sessions/s")
    row("  engine / bare", k["engine_over_bare"], "x")
    row("  reference target (engine, per core)", k["target_sessions_per_s"], "sessions/s")
    rows.append((f"5. python-statemachine {sm['version']}, sharing-circle chart", "", ""))
    row("  instantiate chart()", sm["us_per_instance"]["median"], "µs", sm["us_per_instance"])
    row("  send one event (new_round self-loop)", sm["us_per_event"]["median"], "µs",
        sm["us_per_event"])  # fmt: skip
    row("  instance + 4 advances to final", sm["us_per_walk"]["median"], "µs", sm["us_per_walk"])

    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    mach = res["machine"]
    head = (
        f"peersupport {mach['peersupport']} on Python {mach['python']} "
        f"({mach['cpus']} CPUs, {mach['platform']}); medians of {res['repeats']} repeats"
    )
    if mach["load_average_1min"] is not None:
        head += f"; load average at start {mach['load_average_1min']:.2f}"
    lines = [head, ""]
    lines += [f"{r[0]:<{w0}}  {r[1]:>{w1}}  {r[2]}".rstrip() for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--repeats", type=int, default=7, help="repeats per timing (median)")
    parser.add_argument("--quick", action="store_true", help="smoke run: small sizes")
    parser.add_argument("--seed", type=int, default=2024, help="seed of circle-8x3 durations")
    args = parser.parse_args(argv)
    scale = 10 if args.quick else 1
    repeats = 3 if args.quick else args.repeats

    res: dict[str, Any] = {"machine": machine(), "repeats": repeats}
    res["actions"] = bench_actions(repeats, rounds=400 // scale)
    res["creation"] = bench_creation(repeats, n=20_000 // scale)
    res["circle"] = bench_circle(repeats, n=500 // scale, seed=args.seed)
    res["statemachine"] = bench_statemachine(repeats, n=1_000 // scale)
    res["memory"] = bench_memory(2_000 // scale)  # last: tracemalloc slows everything

    if args.json:
        json.dump(res, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(table(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
