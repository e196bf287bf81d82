"""The least an engine must do per action, on the circle-8x3 study, beside the engine and Mesa.

    .venv/bin/python benchmarks/bench_lower_bound.py            # 7 interleaved repeats
    .venv/bin/python benchmarks/bench_lower_bound.py --repeats 3 --sessions 500

Issue 10 asks the engine to run the study at 1.5x the speed of the Mesa model. This
script measures how fast an engine *could* be in plain Python: ``Skeleton`` does, per
action, only what the issue's rules cannot do without: one action at a time (a
busy flag), a clock reading checked (a number, not going back), the turn checks of
the study (present, consented, whose turn, one turn per round, the floor free), an
immutable event appended to the log, the fold of that event, and the next deadline
(the share limit), recording an ``overtime`` event when the clock passes it. It has
no rule objects, no plugins, no hooks, no event validation, no restore, no other
format: a lower bound, not an engine. The script checks first that it gives the
same results as the engine on 50 sessions (same draws, same counts and times).
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import time
from collections.abc import Callable

import bench_study as study

INF = float("inf")
MAX_TIME = 1e12
Data = tuple[tuple[str, float], ...]


class Refused(Exception):
    """An action the skeleton does not allow."""


class Clock:
    """A manual clock."""

    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


class Skeleton:
    """One session of the study: phases in order, one seat-order round in each with a limit."""

    def __init__(self, people: set[str], chair: str, limits: list[float | None]) -> None:
        self.clock = Clock()
        self.events: list[tuple[int, float, str, str | None, str | None, Data]] = []
        self.busy, self.last, self.deadline = False, -INF, INF
        self.people, self.chair, self.limits = people, chair, limits
        self.present: dict[str, None] = {}
        self.consented: set[str] = set()
        self.phase, self.pos = -1, 0
        self.limit: float | None = None
        self.order: list[str] = []
        self.had: set[str] = set()
        self.holder: str | None = None
        self.started = 0.0
        self.shares: dict[str, int] = {}
        self.passes: dict[str, int] = {}
        self.speaking: dict[str, float] = {}
        self.overtime: dict[str, float] = {}

    def _begin(self) -> float:
        if self.busy:
            raise Refused("another action is in progress")
        self.busy = True
        now = self.clock.now()
        if not self.last <= now <= MAX_TIME:
            self.busy = False
            raise Refused("the clock went back or is not a time")
        if now > self.deadline:
            self._record("overtime", self.deadline, None, self.holder, ())
            self.deadline = INF
        return now

    def _record(
        self, kind: str, at: float, actor: str | None, member: str | None, data: Data
    ) -> None:
        self.events.append((len(self.events), at, kind, actor, member, data))
        self.last = at

    def arrive(self, member: str) -> None:
        now = self._begin()
        try:
            if member not in self.people or member in self.present:
                raise Refused(f"{member} may not arrive")
            self._record("arrived", now, member, member, ())
            self.present[member] = None
        finally:
            self.busy = False

    def consent(self, member: str) -> None:
        now = self._begin()
        try:
            if member not in self.present:
                raise Refused(f"{member} is not present")
            self._record("consented", now, member, member, ())
            self.consented.add(member)
        finally:
            self.busy = False

    def advance(self, by: str) -> None:
        now = self._begin()
        try:
            if by != self.chair or self.holder is not None:
                raise Refused(f"{by} may not advance now")
            if self.limit is not None and self.pos < len(self.order):
                raise Refused("the round is not complete")
            self.phase += 1
            self._record("phase_entered", now, by, None, (("phase", float(self.phase)),))
            self.limit = self.limits[self.phase] if self.phase < len(self.limits) else None
            seats = list(self.present)
            after = seats.index(self.chair) + 1
            self.order, self.had, self.pos = seats[after:] + seats[:after], set(), 0
        finally:
            self.busy = False

    def offered_to(self) -> str | None:
        if self.holder is not None or self.limit is None or self.pos >= len(self.order):
            return None
        return self.order[self.pos]

    def _turn(self, member: str, share: bool) -> None:
        if member not in self.present or self.holder is not None or member in self.had:
            raise Refused(f"{member} may not take a turn now")
        if self.offered_to() != member:
            raise Refused(f"it is not {member}'s turn")
        if share and member not in self.consented:
            raise Refused(f"{member} has not consented")

    def start_share(self, member: str) -> None:
        now = self._begin()
        try:
            self._turn(member, True)
            self._record("share_started", now, member, member, ())
            self.holder, self.started = member, now
            self.had.add(member)
            self.pos += 1
            if self.limit is not None:
                self.deadline = now + self.limit
        finally:
            self.busy = False

    def pass_turn(self, member: str) -> None:
        now = self._begin()
        try:
            self._turn(member, False)
            self._record("passed", now, member, member, ())
            self.had.add(member)
            self.pos += 1
            self.passes[member] = self.passes.get(member, 0) + 1
        finally:
            self.busy = False

    def end_share(self, member: str) -> None:
        now = self._begin()
        try:
            if self.holder != member:
                raise Refused(f"{member} does not hold the floor")
            duration = now - self.started
            limit = self.limit
            over = duration - limit if limit is not None and duration > limit else 0.0
            data: Data = (
                (("duration", duration), ("overtime", over)) if over else (("duration", duration),)
            )
            self._record("share_ended", now, member, member, data)
            self.holder, self.deadline = None, INF
            self.shares[member] = self.shares.get(member, 0) + 1
            self.speaking[member] = self.speaking.get(member, 0.0) + duration
            if over:
                self.overtime[member] = self.overtime.get(member, 0.0) + over
        finally:
            self.busy = False

    def end(self, by: str) -> None:
        now = self._begin()
        try:
            if by != self.chair:
                raise Refused(f"{by} may not end the session")
            self._record("ended", now, by, None, ())
        finally:
            self.busy = False


LIMITS: list[float | None] = [None, *(limit for _phase, limit in study.LIMITS), None]
PEOPLE = {study.FAC, *study.MEMBERS}


def skeleton_session(rng: random.Random) -> study.Stats:
    """The study on the skeleton, drawing as ``bench_study.engine_session`` does."""
    talk = {m: rng.betavariate(2.0, 2.0) for m in study.MEMBERS}
    s = Skeleton(PEOPLE, study.FAC, LIMITS)
    for m in (study.FAC, *study.MEMBERS):
        s.arrive(m)
        s.consent(m)
    s.advance(study.FAC)  # opening
    for _phase in study.LIMITS:
        s.advance(study.FAC)
        while (offered := s.offered_to()) is not None:
            m = offered
            if m == study.FAC or study.passes_turn(rng, talk[m]):
                s.pass_turn(m)
            else:
                s.start_share(m)
                s.clock.advance(study.share_seconds(rng, talk[m]))
                s.end_share(m)
    s.advance(study.FAC)  # closing
    s.end(study.FAC)
    per_member = (s.shares, s.passes, s.speaking, s.overtime)
    return study.make_stats(*([d.get(m, 0) for m in study.MEMBERS] for d in per_member))


IMPLS: dict[str, Callable[[random.Random], study.Stats]] = {
    "skeleton": skeleton_session,
    "engine": study.engine_session,
    "mesa": study.mesa_session,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--sessions", type=int, default=1000)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    for seed in range(50):
        a, b = skeleton_session(random.Random(seed)), study.engine_session(random.Random(seed))
        assert study.same(a, b), f"seed {seed}: the skeleton and the engine differ"
    for f in IMPLS.values():  # warm-up
        f(random.Random(0))
    times: dict[str, list[float]] = {name: [] for name in IMPLS}
    names = list(IMPLS)
    for repeat in range(args.repeats):
        for name in names[repeat % len(names) :] + names[: repeat % len(names)]:
            rng = random.Random(repeat)
            gc.collect()
            start = time.perf_counter()
            for _ in range(args.sessions):
                IMPLS[name](rng)
            times[name].append((time.perf_counter() - start) / args.sessions * 1e6)
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    for name, median in medians.items():
        print(f"  {name:9} {median:8.1f} µs/session")
    for name in ("skeleton", "engine"):
        per = statistics.median(m / t for m, t in zip(times["mesa"], times[name], strict=True))
        print(f"  {name}/mesa {medians['mesa'] / medians[name]:.2f}x (per repeat: {per:.2f}x)")
    print(f"  engine/skeleton {medians['skeleton'] / medians['engine']:.2f}x")


if __name__ == "__main__":
    main()
