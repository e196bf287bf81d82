"""Benchmarks of the simulation toolkit (run by hand, not in CI).

    .venv/bin/python benchmarks/bench_sim.py                 # everything
    .venv/bin/python benchmarks/bench_sim.py --quick         # smaller runs

1. The reference study "circle-8x3" (issue 5): 8 members plus a facilitator in
   ``sharing-circle``; check-in round, one sharing round, check-out round; each
   session draws each member's talkativeness t ~ Beta(2, 2); on their turn a
   member passes with probability 0.5 (1 - t), otherwise shares for
   min(180 s, lognormal(ln(90 (0.5 + t)), 0.5)) s; share limit 180 s. The
   facilitator passes their own turn and never closes a round early. Measured
   through the real engine with ``peersupport.sim`` (one process, i.e. per core),
   with and without computing the metrics, next to the same study as a bare
   hand-written Python loop in the same run.
2. Dask: a 20,000-session sweep of circle-8x3 on a LocalCluster with 1 worker
   process, then 2 (wall time, including the collection of results).
3. Peak memory (max RSS) of a 200,000-session sweep written to Parquet, in a
   fresh process, with the process pool's workers reported separately.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time

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


def bench_dask(n: int) -> None:
    from distributed import Client, LocalCluster

    times = {}
    for workers in (1, 2):
        with (
            LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            sim.sweep([CONDITION], 200, seed=1, executor=client.get_executor(), workers=workers)
            t0 = time.perf_counter()
            sim.sweep(
                [CONDITION],
                n,
                seed=1,
                executor=client.get_executor(),
                workers=workers,
                progress=False,
            )
            times[workers] = time.perf_counter() - t0
        rate = n / times[workers]
        print(f"  {workers} worker(s): {times[workers]:6.2f} s  ({rate:,.0f} sessions/s)")
    print(f"  speed-up 2 vs 1 worker: {times[1] / times[2]:.2f}x")


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
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, args.workers)
        return
    print(
        f"peersupport {ps.__version__} on Python {platform.python_version()} "
        f"({os.cpu_count()} CPUs); load average {os.getloadavg()[0]:.2f}"
    )
    print("1. circle-8x3, one process")
    bench_circle(500 if args.quick else 3000, 3 if args.quick else 5)
    print("2. Dask LocalCluster, circle-8x3 sweep")
    bench_dask(2000 if args.quick else 20_000)
    print("3. peak memory, circle-8x3 sweep written to Parquet")
    for n in (20_000, 200_000) if not args.quick else (2000, 20_000):
        subprocess.run(
            [sys.executable, __file__, "--memory-child", str(n), "--workers", str(args.workers)],
            check=True,
        )


if __name__ == "__main__":
    main()
