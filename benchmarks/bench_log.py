"""The log is the truth: restore, verify, memory and the log view on a long log.

    .venv/bin/python benchmarks/bench_log.py                  # 1,000,000 events, ~2 min
    .venv/bin/python benchmarks/bench_log.py --events 100000  # quicker
    .venv/bin/python benchmarks/bench_log.py --json

A sharing circle (facilitator and 8 members) runs round after round in its
sharing phase (shares of 60 to 159 s, a new round after each) until the log has
the requested number of events. Then, each the median of ``--repeats`` runs:

1. restore: ``Session.restore`` (a pure fold of the log), in events per second;
2. verify: ``Session.verify`` (re-enactment through today's checks), in events per
   second (one run: it takes longest);
3. memory: the log's own size in memory (the events, their data and the list, by
   ``tracemalloc`` while the log is built) and the peak of what restoring adds;
4. ``session.events``: the cost of one access (a view: O(1));
5. JSON Lines: ``events.dumps`` and ``events.loads`` of the whole log, in events
   per second.

Timings use ``time.perf_counter`` with the garbage collector on; memory is
measured in separate runs with ``tracemalloc`` (which slows allocation, so it is
never on while timing). It prints whether the engine runs compiled (see
``peersupport.compiled``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import peersupport as ps
from peersupport.compiled import engine_compiled

FAC = "fac"
MEMBERS = tuple(f"m{i}" for i in range(1, 9))


def make_group() -> ps.Group:
    roles = {ps.Member(FAC, "Fac"): ps.Role.FACILITATOR}
    roles |= {ps.Member(m, m.upper()): ps.Role.MEMBER for m in MEMBERS}
    return ps.Group("bench", roles, agreement=ps.Agreement(share_limit=180.0, warn_at=150.0))


def build(group: ps.Group, fmt: ps.Format, events: int) -> ps.Session:
    """A session whose log has at least ``events`` events."""
    clock = ps.ManualClock()
    s = ps.Session(group, fmt, clock=clock, hooks=False)
    for m in (FAC, *MEMBERS):
        s.arrive(m)
        s.consent(m)
    s.advance(by=FAC)  # check-in: everyone passes
    for m in (*MEMBERS, FAC):
        s.pass_turn(m)
    s.advance(by=FAC)  # sharing, round after round
    i = 0
    while len(s.events) < events:
        for m in MEMBERS:
            s.start_share(m)
            clock.advance(60 + i % 100)
            s.end_share(m)
            i += 1
        s.pass_turn(FAC)
        s.new_round(by=FAC)
    return s


def timed(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_of(run: Callable[[], object]) -> int:
    """Peak bytes allocated while ``run`` runs (and kept, if it returns something)."""
    gc.collect()
    tracemalloc.start()
    kept = run()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del kept
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args()

    group, fmt = make_group(), ps.formats.get("sharing-circle")
    load = os.getloadavg()
    start = time.perf_counter()
    session = build(group, fmt, args.events)
    built = time.perf_counter() - start
    log = list(session.events)
    n = len(log)

    log_bytes = peak_of(lambda: list(build(group, fmt, args.events).events))
    restore_s = timed(lambda: ps.Session.restore(group, fmt, log), args.repeats)
    restore_peak = peak_of(lambda: ps.Session.restore(group, fmt, log))
    verify_s = timed(lambda: ps.Session.verify(group, fmt, log), 1)
    assert ps.Session.restore(group, fmt, log).state == session.state
    view_s = timed(lambda: [session.events for _ in range(10_000)], args.repeats) / 10_000
    text = ps.events.dumps(log)
    dumps_s = timed(lambda: ps.events.dumps(log), 1)
    loads_s = timed(lambda: ps.events.loads(text), 1)

    out: dict[str, Any] = {
        "python": platform.python_version(),
        "peersupport": ps.__version__,
        "engine_compiled": engine_compiled(),
        "load_average": load,
        "events": n,
        "build_s": built,
        "restore_events_per_s": n / restore_s,
        "verify_events_per_s": n / verify_s,
        "log_bytes": log_bytes,
        "restore_peak_bytes": restore_peak,
        "restore_peak_over_log": restore_peak / log_bytes,
        "events_view_us": view_s * 1e6,
        "dumps_events_per_s": n / dumps_s,
        "loads_events_per_s": n / loads_s,
    }
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(
        f"peersupport {out['peersupport']} on Python {out['python']}, engine "
        f"{'compiled' if out['engine_compiled'] else 'plain Python'}; load average "
        f"{load[0]:.2f}; a log of {n:,} events built in {built:.1f} s"
    )
    print(f"  restore (pure fold)          {out['restore_events_per_s']:>12,.0f} events/s")
    print(f"  verify (re-enactment)        {out['verify_events_per_s']:>12,.0f} events/s")
    print(f"  the log in memory            {log_bytes / 2**20:>12,.1f} MiB")
    print(
        f"  restore's peak on top of it  {restore_peak / 2**20:>12,.1f} MiB "
        f"({out['restore_peak_over_log']:.2f}x the log)"
    )
    print(f"  session.events, one access   {out['events_view_us']:>12,.3f} µs")
    print(f"  events.dumps                 {out['dumps_events_per_s']:>12,.0f} events/s")
    print(f"  events.loads                 {out['loads_events_per_s']:>12,.0f} events/s")


if __name__ == "__main__":
    main()
