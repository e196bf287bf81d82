"""Benchmarks of the simulation toolkit (run by hand, not in CI).

    .venv/bin/python benchmarks/bench_sim.py                 # everything
    .venv/bin/python benchmarks/bench_sim.py --quick         # smaller runs
    .venv/bin/python benchmarks/bench_sim.py --only scaling  # section 2 alone (~3 min)

1. The reference study "circle-8x3" (issue 5): 8 members plus a facilitator in
   ``sharing-circle``; check-in round, one sharing round, check-out round; each
   session draws each member's talkativeness t ~ Beta(2, 2); on their turn a
   member passes with probability 0.5 (1 - t), otherwise shares for
   min(180 s, lognormal(ln(90 (0.5 + t)), 0.5)) s; share limit 180 s. The
   facilitator passes their own turn and never closes a round early. Measured
   through the real engine with ``peersupport.sim`` (one process, i.e. per core),
   with and without computing the metrics, next to the same study as a bare
   hand-written Python loop in the same run.
2. Scaling (issue 5): a 20,000-session sweep of circle-8x3 on a Dask
   ``LocalCluster(n_workers=1 or 2, threads_per_worker=1, processes=True)``
   (through ``Client.get_executor()``) and on a ``ProcessPoolExecutor`` of 1 or 2
   processes. Each run starts a fresh cluster or pool and runs a 200-session
   warm-up on it, both *outside* the timed region (cluster start-up, the workers'
   imports of peersupport/numpy/pandas/pyarrow and the first-task compile of the
   format are one-off costs, not scaling); the timed region is the whole sweep,
   results collected back in order. The sweep is handed only the executor, so
   it sizes its chunks from the executor's own worker count. The four set-ups
   are interleaved, repeated (``--repeats``, 3 by default) and the median wall
   time is reported, with per run the CPU seconds of the collecting process
   (for Dask: client, scheduler and nannies, which all live there), of the
   workers, how busy the workers were (worker CPU / (workers x wall)), and the
   CPU taken meanwhile by processes that are not ours (``/proc/stat``): on a
   2-core machine any of it comes out of the two workers' share. A run during
   which others used more than ``--max-other`` cores (0.1) is marked NOISY and
   redone, up to 5 attempts.
3. Peak memory (max RSS) of a 200,000-session sweep written to Parquet, in a
   fresh process, with the process pool's workers reported separately.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import multiprocessing
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor

import psutil

import peersupport as ps
from peersupport import sim
from peersupport.sim.metrics import collect
from peersupport.sim.runner import run_session

FACILITATOR = sim.Facilitator(close_at_budget=False, max_rounds=1, turn_gap=0.0)
POPULATION = sim.heterogeneous(2.0, 2.0)  # pass 0.5 (1 - t), lognormal(ln(90 (0.5 + t)), 0.5)
AGREEMENT = ps.Agreement(share_limit=180.0, warn_at=150.0)
CONDITION = sim.Condition(
    "sharing-circle", POPULATION, 8, agreement=AGREEMENT, facilitator=FACILITATOR
)


def engine(n: int, seed: int, metrics: bool) -> float:
    fmt = ps.formats.get("sharing-circle")
    rng = random.Random(seed)
    t0 = time.perf_counter()
    for _ in range(n):
        profiles = POPULATION.draw(rng, 8)
        s = run_session(fmt, profiles, rng, agreement=AGREEMENT, facilitator=FACILITATOR)
        if metrics:
            collect(s, profiles)
    return time.perf_counter() - t0


def bare(n: int, seed: int) -> float:
    rng = random.Random(seed)
    limits = (120.0, 180.0, 120.0)  # check-in, sharing, check-out
    t0 = time.perf_counter()
    for _ in range(n):
        talk = [rng.betavariate(2.0, 2.0) for _ in range(8)]
        speaking = [0.0] * 8
        shares = [0] * 8
        overtime = 0.0
        for limit in limits:
            for i, t in enumerate(talk):
                if rng.random() < 0.5 * (1.0 - t):
                    continue
                d = min(180.0, rng.lognormvariate(math.log(90.0 * (0.5 + t)), 0.5))
                speaking[i] += d
                shares[i] += 1
                if d > limit:
                    overtime += d - limit
        total = sum(speaking)
        if total:
            xs = sorted(speaking)
            sum((2 * i - 7) * x for i, x in enumerate(xs)) / (8 * total)
    return time.perf_counter() - t0


def median_rate(run, n: int, repeats: int) -> tuple[float, float, float]:
    rates = [n / run() for _ in range(repeats)]
    return statistics.median(rates), min(rates), max(rates)


def bench_circle(n: int, repeats: int) -> None:
    engine(200, 1, True)  # warm-up
    for label, run, k in (
        ("engine (sim runner, no metrics)", lambda: engine(n, 1, False), n),
        ("engine + metrics (what a sweep does)", lambda: engine(n, 1, True), n),
        ("bare hand-written loop", lambda: bare(n * 10, 1), n * 10),
    ):
        med, lo, hi = median_rate(run, k, repeats)
        print(f"  {label:40s} {med:9,.0f} sessions/s  (min {lo:,.0f}, max {hi:,.0f})")


def _cpu(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return float(times.user + times.system)


def _busy_cpu() -> float | None:
    """CPU seconds all processes have used since boot (Linux), or None."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:9]]
    except OSError:
        return None
    idle = ticks[3] + ticks[4]  # idle + iowait
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK")


def _executor(kind: str, workers: int) -> tuple[Executor, Callable[[], None]]:
    if kind == "pool":
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
        return pool, pool.shutdown
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = Client(cluster)

    def close() -> None:
        client.close()
        cluster.close()

    return client.get_executor(), close


def scaling_run(kind: str, workers: int, n: int) -> dict[str, float]:
    """One timed sweep of ``n`` circle-8x3 sessions on a fresh executor."""
    executor, close = _executor(kind, workers)
    try:
        sim.sweep([CONDITION], 200, seed=1, executor=executor, progress=False)  # warm-up
        me = psutil.Process()
        kids = me.children(recursive=True)
        before = {p.pid: _cpu(p) for p in kids}
        main0, busy0 = _cpu(me), _busy_cpu()
        t0 = time.perf_counter()
        sim.sweep([CONDITION], n, seed=1, executor=executor, progress=False)
        wall = time.perf_counter() - t0
        main1, busy1 = _cpu(me), _busy_cpu()
        used = []
        for p in kids:
            with contextlib.suppress(psutil.NoSuchProcess):
                used.append(_cpu(p) - before[p.pid])
    finally:
        close()
    work = sorted((u for u in used if u > 0.1), reverse=True)[:workers]
    mine = main1 - main0 + sum(used)
    foreign = math.nan if busy0 is None or busy1 is None else busy1 - busy0 - mine
    return {
        "wall": wall,
        "main": main1 - main0,
        "workers": sum(work),
        "max_worker": max(work, default=0.0),
        "busy": sum(work) / (workers * wall),
        "foreign": foreign,
    }


SETUPS = (("dask", 1), ("dask", 2), ("pool", 1), ("pool", 2))
NAMES = {"dask": "Dask LocalCluster", "pool": "ProcessPoolExecutor"}


def bench_scaling(n: int, repeats: int, max_other: float, attempts: int = 5) -> None:
    """Interleaved timed sweeps of every set-up; medians and speed-ups.

    A run during which processes that are not ours used more than ``max_other``
    cores on average is printed, marked and run again (at most ``attempts`` times
    in all; the last one is kept, marked, if none was quiet). With the kernel's
    autogroup scheduling (``/proc/sys/kernel/sched_autogroup_enabled``), one busy
    process started from another terminal gets a whole core of two, so two
    workers get one core between them and scale about 1.0x whatever the executor.
    """
    runs: dict[tuple[str, int], list[dict[str, float]]] = {s: [] for s in SETUPS}
    noisy = 0
    for rep in range(repeats):
        for kind, workers in SETUPS:
            for attempt in range(1, attempts + 1):
                r = scaling_run(kind, workers, n)
                other = r["foreign"] / r["wall"]
                quiet = not other > max_other  # nan (no /proc/stat) counts as quiet
                mark = "" if quiet else "  NOISY" + (", kept" if attempt == attempts else ", redo")
                print(
                    f"  run {rep + 1} {NAMES[kind]:19s} {workers} worker(s): {r['wall']:6.2f} s;"
                    f" CPU s: collecting process {r['main']:.2f}, workers {r['workers']:.2f}"
                    f" (busy {r['busy']:.0%}); other processes {r['foreign']:.2f}"
                    f" ({other:.2f} cores); load {os.getloadavg()[0]:.2f}{mark}",
                    flush=True,
                )
                if quiet or attempt == attempts:
                    noisy += not quiet
                    runs[kind, workers].append(r)
                    break
    print(f"  medians of {repeats} ({n:,} sessions; {noisy} noisy run(s) kept):")
    med = {s: statistics.median(r["wall"] for r in runs[s]) for s in SETUPS}
    for kind in ("dask", "pool"):
        for workers in (1, 2):
            wall = med[kind, workers]
            main = statistics.median(r["main"] / r["wall"] for r in runs[kind, workers])
            busy = statistics.median(r["busy"] for r in runs[kind, workers])
            print(
                f"  {NAMES[kind]:19s} {workers} worker(s): {wall:6.2f} s"
                f"  ({n / wall:,.0f} sessions/s; collecting process {main:.2f} cores,"
                f" workers busy {busy:.0%})"
            )
        print(f"  {NAMES[kind]:19s} speed-up 2 vs 1 worker: {med[kind, 1] / med[kind, 2]:.2f}x")


def memory_child(n: int, workers: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        result = sim.sweep(
            [CONDITION],
            n,
            seed=1,
            workers=workers,
            out=os.path.join(tmp, "m.parquet"),
            progress=False,
        )
        took = time.perf_counter() - t0
        assert result.paths is not None
        size = sum(p.stat().st_size for p in result.paths)
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"  {n:,} sessions, {workers} workers, {took:.1f} s: peak RSS main process {me:.0f} MiB, "
        f"largest worker {kids:.0f} MiB; files {size / 2**20:.1f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--memory-child", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="scaling runs per set-up")
    parser.add_argument(
        "--max-other",
        type=float,
        default=0.1,
        help="redo a scaling run if other processes used more cores than this (default 0.1)",
    )
    parser.add_argument(
        "--only", choices=("circle", "scaling", "memory"), help="run one section only"
    )
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, args.workers)
        return
    print(
        f"peersupport {ps.__version__} on Python {platform.python_version()} "
        f"({os.cpu_count()} CPUs); load average {os.getloadavg()[0]:.2f}"
    )
    if args.only in (None, "circle"):
        print("1. circle-8x3, one process")
        bench_circle(500 if args.quick else 3000, 3 if args.quick else 5)
    if args.only in (None, "scaling"):
        print("2. scaling of a circle-8x3 sweep, 1 vs 2 workers (Dask LocalCluster, process pool)")
        bench_scaling(2000 if args.quick else 20_000, args.repeats, args.max_other)
    if args.only in (None, "memory"):
        print("3. peak memory, circle-8x3 sweep written to Parquet")
        for n in (20_000, 200_000) if not args.quick else (2000, 20_000):
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--memory-child",
                    str(n),
                    "--workers",
                    str(args.workers),
                ],
                check=True,
            )


if __name__ == "__main__":
    main()
