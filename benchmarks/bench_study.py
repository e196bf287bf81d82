"""The "circle-8x3" study four ways: peersupport engine, Mesa 3, peersupport.sim, bare loop.

    pip install -e '.[bench]'                    # provides mesa (not a runtime dependency)
    .venv/bin/python benchmarks/bench_study.py   # 7 interleaved repeats, ~15 s
    .venv/bin/python benchmarks/bench_study.py --quick --only engine,mesa --json
    .venv/bin/python benchmarks/bench_study.py --profile engine   # cProfile, top 30

The study: members m1 .. m8 and a facilitator in ``sharing-circle``: opening, then
one round each of check-in (120 s limit), sharing (the agreement's 180 s) and
check-out (120 s), in seat order from the facilitator's left, facilitator last
(who passes); closing. Per session each member draws talkativeness t ~ Beta(2, 2);
on a turn a member passes with probability 0.5 (1 - t), else shares for
min(180, lognormal(ln(90 (0.5 + t)), 0.5)) s. Results: per member shares, passes,
speaking time, overtime; the Gini of the speaking times. All four draw from one
``random.Random(seed)`` in the same order (per session 8 ``betavariate`` in seat
order, then per turn ``random()`` and, for a share, ``lognormvariate``); the script
first checks on 50 sessions that they agree and use the same draws.

1. engine: public API (``ManualClock``, ``hooks=False``, ``offered_to()``, ``s.state``).
2. mesa: a ``mesa.Model`` whose ``step()`` gives the floor to the next agent of the
   round (an ``AgentSet`` in seat order) or moves to the next phase; an agent's
   ``step()`` decides and records. Mesa 3.3 seeds only from an int or a numpy
   generator, so the model gets a fixed seed, then ``self.random = rng`` (the
   shared ``random.Random``), which agents reach as ``self.random``. Mesa's
   class-level ``Agent._ids`` dict (keyed by model) keeps every model alive; each
   is dropped from it after its session so the leak does not slow the others.
3. sim: ``peersupport.sim.runner.run_session``, ``sim.heterogeneous(2, 2)``,
   ``sim.Facilitator(close_at_budget=False, max_rounds=1, turn_gap=0)``.
4. bare: a plain Python loop, no library (as ``bare()`` in ``bench_sim.py``).

Timing: one process, GC on (collected before each run); after a warm-up, each repeat
runs each implementation on N sessions (bare: 10 N), in an order rotating between
repeats. Ratios are also given per repeat (for noisy machines).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import math
import os
import platform
import pstats
import random
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import mesa
from mesa.agent import AgentSet

import peersupport as ps
from peersupport import sim
from peersupport.compiled import engine_compiled
from peersupport.sim.runner import run_session

FAC = "fac"
MEMBERS = tuple(f"m{i}" for i in range(1, 9))
AGREEMENT = ps.Agreement(share_limit=180.0, warn_at=150.0)
FMT = ps.formats.get("sharing-circle")
#: Share limit in force in each round phase: the phase's own, else the agreement's.
LIMITS = tuple(
    (p, FMT.phase(p).share_limit or AGREEMENT.share_limit)
    for p in ("check_in", "sharing", "check_out")
)
MEAN_SHARE, SIGMA, MAX_SHARE = 90.0, 0.5, 180.0
IMPLS = ("engine", "mesa", "sim", "bare")
RATIOS = (
    ("engine", "mesa"),
    ("sim", "mesa"),
    ("engine", "sim"),
    ("bare", "engine"),
    ("bare", "mesa"),
)


Counts, Times = Sequence[int], Sequence[float]


class Stats(NamedTuple):
    """One session's results, per member in seat order ``m1`` .. ``m8``."""

    shares: tuple[int, ...]
    passes: tuple[int, ...]
    speaking: tuple[float, ...]
    overtime: tuple[float, ...]
    gini: float


def gini(xs: Sequence[float]) -> float:
    """Gini coefficient of ``xs`` (0: all equal); 0 if all are 0."""
    total = sum(xs)
    if not total:
        return 0.0
    n = len(xs)
    return sum((2 * i - n + 1) * x for i, x in enumerate(sorted(xs))) / (n * total)


def make_stats(shares: Counts, passes: Counts, speaking: Times, overtime: Times) -> Stats:
    return Stats(tuple(shares), tuple(passes), tuple(speaking), tuple(overtime), gini(speaking))


def passes_turn(rng: random.Random, t: float) -> bool:
    return rng.random() < 0.5 * (1.0 - t)


def share_seconds(rng: random.Random, t: float) -> float:
    return min(MAX_SHARE, rng.lognormvariate(math.log(MEAN_SHARE * (0.5 + t)), SIGMA))


# ---------------------------------------------------------------------- 1. engine

GROUP = ps.Group(
    name="circle-8x3",
    roles={ps.Member(FAC, "Facilitator"): ps.Role.FACILITATOR}
    | {ps.Member(m, m.upper()): ps.Role.MEMBER for m in MEMBERS},
    agreement=AGREEMENT,
)


def state_stats(state: ps.SessionState) -> Stats:
    per_member = (state.shares, state.passes, state.speaking_time, state.overtime)
    return make_stats(*([d.get(m, 0) for m in MEMBERS] for d in per_member))


def engine_session(rng: random.Random) -> Stats:
    talk = {m: rng.betavariate(2.0, 2.0) for m in MEMBERS}
    clock = ps.ManualClock()
    s = ps.Session(GROUP, FMT, clock=clock, hooks=False)
    for m in (FAC, *MEMBERS):
        s.arrive(m)
        s.consent(m)
    for _phase in LIMITS:
        s.advance(by=FAC)  # opening -> check-in -> sharing -> check-out
        while (m := s.offered_to()) is not None:
            if m == FAC or passes_turn(rng, talk[m]):
                s.pass_turn(m)
            else:
                s.start_share(m)
                clock.advance(share_seconds(rng, talk[m]))
                s.end_share(m)
    s.advance(by=FAC)  # -> closing
    s.end(by=FAC)
    return state_stats(s.state)


# ---------------------------------------------------------------------- 2. mesa


class MemberAgent(mesa.Agent):
    """A member: talkativeness drawn on arrival; on their turn, shares or passes."""

    def __init__(self, model: mesa.Model) -> None:
        super().__init__(model)
        self.talkativeness = self.random.betavariate(2.0, 2.0)
        self.shares, self.passes = 0, 0
        self.speaking_time, self.overtime = 0.0, 0.0

    def step(self) -> None:
        t = self.talkativeness
        if passes_turn(self.random, t):
            self.passes += 1
            return
        d = share_seconds(self.random, t)
        model = self.model
        model.clock += d
        self.shares += 1
        self.speaking_time += d
        if d > model.share_limit:
            self.overtime += d - model.share_limit


class FacilitatorAgent(mesa.Agent):
    """The facilitator: passes their own turn."""

    def __init__(self, model: mesa.Model) -> None:
        super().__init__(model)
        self.passes = 0

    def step(self) -> None:
        self.passes += 1


PHASES: tuple[tuple[str, float | None], ...] = (("opening", None), *LIMITS, ("closing", None))


class CircleModel(mesa.Model):
    """One circle-8x3 session; each step is one turn (or a move to the next phase)."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__(seed=0)
        self.random = rng  # the shared stream; agents draw with self.random
        self.facilitator = FacilitatorAgent(self)  # seat order: facilitator first
        self.members = MemberAgent.create_agents(self, len(MEMBERS))
        # Rounds start to the facilitator's left, facilitator last.
        self.round_order = AgentSet([*self.members, self.facilitator], random=rng)
        self.phase = 0
        self.share_limit: float | None = None  # None: facilitator-only phase
        self.clock = 0.0
        self.turns: Any = iter(())

    def step(self) -> None:
        if self.share_limit is not None:
            agent = next(self.turns, None)
            if agent is not None:  # the next in seat order has the floor
                agent.step()
                return
        self.phase += 1  # facilitator-only phase done, or the round is complete
        _name, self.share_limit = PHASES[self.phase]
        self.turns = iter(self.round_order)
        if self.phase == len(PHASES) - 1:
            self.running = False  # closing: the session ends


def mesa_session(rng: random.Random) -> Stats:
    model = CircleModel(rng)
    while model.running:
        model.step()
    get = model.members.get
    stats = make_stats(get("shares"), get("passes"), get("speaking_time"), get("overtime"))
    mesa.Agent._ids.pop(model, None)  # Mesa 3.3 would keep every model alive
    return stats


# ---------------------------------------------------------------------- 3. sim

POPULATION = sim.heterogeneous(2.0, 2.0)  # pass 0.5 (1 - t), lognormal(ln(90 (0.5 + t)), 0.5)
FACILITATOR = sim.Facilitator(close_at_budget=False, max_rounds=1, turn_gap=0.0)


def sim_session(rng: random.Random) -> Stats:
    profiles = POPULATION.draw(rng, len(MEMBERS))
    s = run_session(FMT, profiles, rng, agreement=AGREEMENT, facilitator=FACILITATOR)
    return state_stats(s.state)


# ---------------------------------------------------------------------- 4. bare


def bare_session(rng: random.Random) -> Stats:
    talk = [rng.betavariate(2.0, 2.0) for _ in MEMBERS]
    n = len(talk)
    shares, passes, speaking, overtime = [0] * n, [0] * n, [0.0] * n, [0.0] * n
    for _phase, limit in LIMITS:
        for i, t in enumerate(talk):  # then the facilitator, who passes (no draw)
            if rng.random() < 0.5 * (1.0 - t):
                passes[i] += 1
                continue
            d = min(MAX_SHARE, rng.lognormvariate(math.log(MEAN_SHARE * (0.5 + t)), SIGMA))
            shares[i] += 1
            speaking[i] += d
            if d > limit:
                overtime[i] += d - limit
    return make_stats(shares, passes, speaking, overtime)


SESSIONS = (engine_session, mesa_session, sim_session, bare_session)
SESSION: dict[str, Callable[[random.Random], Stats]] = dict(zip(IMPLS, SESSIONS, strict=True))

# ---------------------------------------------------------------------- checking and timing


def same(a: Stats, b: Stats) -> bool:
    """Equal counts; times equal up to rounding (the engine times shares by the clock)."""
    if a.shares != b.shares or a.passes != b.passes:
        return False
    floats = [*zip(a.speaking, b.speaking, strict=True), *zip(a.overtime, b.overtime, strict=True)]
    floats.append((a.gini, b.gini))
    return all(math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-6) for x, y in floats)


def check(seed: int, sessions: int = 50) -> None:
    """All four give the same statistics from the same seed, and use the same draws."""
    rngs = {name: random.Random(seed) for name in IMPLS}
    for k in range(sessions):
        stats = {name: SESSION[name](rngs[name]) for name in IMPLS}
        for name in IMPLS[1:]:
            if not same(stats["engine"], stats[name]):
                raise AssertionError(
                    f"session {k}: {name} disagrees with engine:\n"
                    f"  engine {stats['engine']}\n  {name:6s} {stats[name]}"
                )
    if len({rng.getstate() for rng in rngs.values()}) != 1:
        raise AssertionError("the implementations used different numbers of random draws")


def timed(name: str, n: int, seed: int) -> float:
    session, rng = SESSION[name], random.Random(seed)
    t0 = time.perf_counter()
    for _ in range(n):
        session(rng)
    return time.perf_counter() - t0


def bench(names: Sequence[str], n: int, repeats: int, seed: int) -> dict[str, list[float]]:
    """Seconds per session, per implementation, one entry per repeat."""
    count = {name: n * 10 if name == "bare" else n for name in names}
    for name in names:  # warm-up
        timed(name, max(1, count[name] // 10), seed)
    per: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        for j in range(len(names)):
            name = names[(r + j) % len(names)]
            gc.collect()
            per[name].append(timed(name, count[name], seed) / count[name])
    return per


def summary(per: dict[str, list[float]], n: int, seed: int, load: Sequence[float]) -> Any:
    """Versions, medians, and ratios (of the medians, and per repeat) as one dict."""
    out: dict[str, Any] = {
        "study": "circle-8x3",
        "python": platform.python_version(),
        "peersupport": ps.__version__,
        "engine_compiled": engine_compiled(),
        "mesa": mesa.__version__,
        "cpus": os.cpu_count(),
        "loadavg_start": list(load),
        "seed": seed,
        "repeats": len(next(iter(per.values()))),
        "results": {},
        "ratios": {},
    }
    for name, xs in per.items():
        med = statistics.median(xs)
        out["results"][name] = {
            "sessions": n * 10 if name == "bare" else n,
            "sessions_per_s": 1 / med,
            "us_per_session": {"median": med * 1e6, "min": min(xs) * 1e6, "max": max(xs) * 1e6},
            "us_per_session_per_repeat": [x * 1e6 for x in xs],
        }
    for a, b in RATIOS:  # how many times faster a is than b
        if a in per and b in per:
            rs = [y / x for x, y in zip(per[a], per[b], strict=True)]
            out["ratios"][f"{a}/{b}"] = {
                "of_medians": statistics.median(per[b]) / statistics.median(per[a]),
                "per_repeat": rs,
                "median_per_repeat": statistics.median(rs),
            }
    return out


def report(out: Any) -> None:
    print(
        f"circle-8x3: Python {out['python']}, peersupport {out['peersupport']} "
        f"({'compiled' if out['engine_compiled'] else 'plain Python'}), "
        f"mesa {out['mesa']}; {out['cpus']} CPUs; seed {out['seed']}"
    )
    print("load average at start: " + " ".join(f"{x:.2f}" for x in out["loadavg_start"]))
    runs = ", ".join(f"{k} {v['sessions']:,}" for k, v in out["results"].items())
    print(f"{out['repeats']} interleaved repeats (GC on); sessions per run: {runs}")
    print(f"  {'':7s} {'sessions/s':>11s} {'µs/session':>11s} {'min':>9s} {'max':>9s}")
    for name, r in out["results"].items():
        us = r["us_per_session"]
        print(
            f"  {name:7s} {r['sessions_per_s']:11,.0f} {us['median']:11.1f} "
            f"{us['min']:9.1f} {us['max']:9.1f}"
        )
    print("ratios of the medians:")
    for key, r in out["ratios"].items():
        x = r["of_medians"]
        slower = "" if x >= 1 else f" (i.e. {1 / x:.2f}x slower)"
        print(f"  {key:12s} {key.split('/')[0]} is {x:.2f}x faster{slower}")
    print("per-repeat ratios (b's time / a's time in the same repeat, for a/b):")
    for key, r in out["ratios"].items():
        shown = " ".join(f"{x:.2f}" for x in r["per_repeat"])
        print(f"  {key:12s} {shown}  median {r['median_per_repeat']:.2f}x")


def profile(name: str, n: int, seed: int) -> None:
    timed(name, 50, seed)  # warm-up
    prof = cProfile.Profile()
    prof.runcall(timed, name, n, seed)
    print(f"cProfile of {n} {name} sessions, top 30 by tottime:")
    pstats.Stats(prof).sort_stats("tottime").print_stats(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sessions", type=int, default=2000, help="N (bare runs 10 N)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--quick", action="store_true", help="N=200, 3 repeats")
    parser.add_argument("--only", default=",".join(IMPLS), help="e.g. engine,mesa")
    parser.add_argument("--profile", choices=IMPLS, help="cProfile 500 sessions of one")
    args = parser.parse_args()
    load = os.getloadavg()
    check(args.seed)
    if args.profile:
        profile(args.profile, 500, args.seed)
        return
    names = [x for x in args.only.replace(" ", "").split(",") if x]
    if not names or not set(names) <= set(IMPLS):
        parser.error(f"--only takes a comma-separated subset of {','.join(IMPLS)}")
    n, repeats = (200, 3) if args.quick else (args.sessions, args.repeats)
    out = summary(bench(names, n, repeats, args.seed), n, args.seed, load)
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        report(out)


if __name__ == "__main__":
    main()
