"""Parameter sweeps: a grid of conditions x replicates, run on any executor.

:func:`sweep` cuts the sessions of every condition (see :func:`grid`) into
chunks, runs them anywhere (serially, on a process pool, on a Dask cluster
through ``distributed.Client(...).get_executor()``) and collects them back
**in order**, so the results are identical whatever the executor, the number of
workers or the chunk size: each session's random draws come from its own seed,
spawned from one root seed (see :func:`replicate_seed`).

Results are tidy tables: one row per session, and a long table with one row per
member present in each session. With ``out=`` they are written chunk by chunk
to Parquet (or CSV), so memory stays flat however many sessions run.

The grid lives in :mod:`peersupport.sim.conditions`; the tables' schemas,
the running of a chunk and the summary in :mod:`peersupport.sim.tables`. Their
public names are importable from here too.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import attrs
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
from tqdm import tqdm

from peersupport.sim.conditions import Condition, grid, replicate_seed
from peersupport.sim.tables import (
    MEMBER_SCHEMA,
    SESSION_SCHEMA,
    SUMMARY_METRICS,
    Partial,
    Summary,
    Task,
    Writer,
    members_path,
    run_chunk,
    run_task,
    summarize,
)

__all__ = [
    "MEMBER_SCHEMA",
    "SESSION_SCHEMA",
    "SUMMARY_METRICS",
    "Condition",
    "SweepResult",
    "grid",
    "members_path",
    "replicate_seed",
    "run_chunk",
    "summarize",
    "sweep",
]


@attrs.frozen
class SweepResult:
    """What a sweep produced.

    Attributes:
        summary: Mean metrics per condition (see :func:`summarize`).
        sessions: One row per session (``None`` when written to ``paths``).
        members: One row per member present per session (``None`` when written).
        paths: ``(sessions file, members file)`` when written with ``out=``.
    """

    summary: pd.DataFrame
    sessions: pd.DataFrame | None = None
    members: pd.DataFrame | None = None
    paths: tuple[Path, Path] | None = None

    def load(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Both tables, from memory or read back from the files."""
        if self.sessions is not None and self.members is not None:
            return self.sessions, self.members
        assert self.paths is not None
        if self.paths[0].suffix.lower() == ".csv":
            return pd.read_csv(self.paths[0]), pd.read_csv(self.paths[1])
        return pd.read_parquet(self.paths[0]), pd.read_parquet(self.paths[1])


def _tasks(
    conditions: tuple[Condition, ...], sessions: int, root: int, chunk: int
) -> Iterable[Task]:
    for c, cond in enumerate(conditions):
        for start in range(0, sessions, chunk):
            yield Task(cond, root, c, start, min(sessions, start + chunk))


# Default chunks per worker: enough that a worker finishing early finds more work
# (the last chunks decide when a sweep ends), few enough that the per-task cost of
# an executor (a Dask task's round trip is ~2 ms on a 2-core LocalCluster) stays far
# below a chunk's run time.
_TASKS_PER_WORKER = 8
# Default chunk size bounds (sessions): at ~0.6 ms a session, 25 sessions are
# ~15 ms of work, 2,000 about a second (and a Parquet row group of 2,000 rows).
_MIN_CHUNK, _MAX_CHUNK = 25, 2000
# Below this many sessions (a few seconds of work) a sweep runs in this process unless
# told otherwise: starting a pool of spawned processes costs about 1.5 s, so on two
# cores a 2-process pool only breaks even at about 5,000 sessions (500 sessions: 0.38 s
# in-process, 1.90 s on the pool; 5,000: 3.28 s and 5.14 s, on a busy 2-core VM).
_IN_PROCESS_BELOW = 5000


def _default_chunk_size(total: int, workers: int) -> int:
    """Sessions per task when ``chunk_size`` is not given.

    About ``_TASKS_PER_WORKER`` chunks per worker over the whole sweep, between
    ``_MIN_CHUNK`` and ``_MAX_CHUNK`` sessions. Results never depend on it.

    Args:
        total: Sessions in the sweep (replicates x conditions).
        workers: Tasks the executor runs at once.
    """
    return max(_MIN_CHUNK, min(_MAX_CHUNK, math.ceil(total / (_TASKS_PER_WORKER * workers))))


def _executor_workers(executor: Executor) -> int | None:
    """How many tasks ``executor`` runs at once, if it can tell.

    Knows the standard library's pools (``max_workers``) and Dask's
    ``Client.get_executor()`` (the cluster's total threads when the sweep starts).

    Args:
        executor: Any ``concurrent.futures.Executor``.

    Returns:
        The number, or ``None`` for an executor that does not say.
    """
    client = getattr(executor, "_client", None)  # distributed.cfexecutor.ClientExecutor
    nthreads = getattr(client, "nthreads", None)
    if callable(nthreads):
        try:
            slots = sum(int(n) for n in nthreads().values())
        except Exception:  # only a hint for sizing chunks
            return None
        return slots or None
    max_workers = getattr(executor, "_max_workers", None)  # ProcessPool/ThreadPoolExecutor
    return max_workers if isinstance(max_workers, int) and max_workers > 0 else None


def sweep(
    conditions: Sequence[Condition],
    sessions: int,
    *,
    seed: int = 0,
    executor: Executor | None = None,
    workers: int | None = None,
    out: str | os.PathLike[str] | None = None,
    chunk_size: int | None = None,
    progress: bool | None = None,
) -> SweepResult:
    """Run ``sessions`` replicates of every condition.

    Args:
        conditions: The grid (see :func:`grid`).
        sessions: Replicates per condition.
        seed: The root seed; per-session seeds are spawned from it.
        executor: Where chunks run (any ``concurrent.futures.Executor``, e.g.
            ``distributed.Client(...).get_executor()``). Default: a process pool of
            ``workers`` processes, or in this process when ``workers == 1``, or
            when neither is given and the sweep has fewer than 5,000 sessions (a
            few seconds of work: less than starting a pool costs).
        workers: Process-pool size (default: the number of CPUs). With ``executor``:
            how many tasks it runs at once (default: the cluster's threads for a Dask
            client's executor, ``max_workers`` for a pool, else the number of CPUs),
            which sizes the chunks and bounds the chunks in flight.
        out: Write the session table here (``.parquet`` or ``.csv``) and the member
            table beside it (see :func:`members_path`) instead of keeping them in memory.
        chunk_size: Sessions per task (default: about eight chunks per worker over
            the whole sweep, 25 to 2,000 sessions). Results never depend on it.
        progress: Show a progress bar (default: for 10,000 sessions or more).

    Returns:
        The summary per condition, and the tables (in memory or written).

    Raises:
        ValueError: On a bad argument (no conditions, ``sessions < 1``, bad ``out``,
            ``chunk_size < 1``).
    """
    conds = tuple(conditions)
    if not conds:
        raise ValueError("a sweep needs at least one condition")
    if sessions < 1:
        raise ValueError(f"sessions must be at least 1, got {sessions}")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if chunk_size is not None and chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    total = sessions * len(conds)
    found = _executor_workers(executor) if executor is not None and workers is None else None
    n_workers = workers or found or os.cpu_count() or 1
    if executor is None and workers is None and total < _IN_PROCESS_BELOW:
        n_workers = 1  # small: a pool would cost more than it saves
    if chunk_size is None:
        chunk_size = _default_chunk_size(total, n_workers)
    writer = Writer(Path(out)) if out is not None else None
    summary = Summary(conds)
    kept: list[tuple[Any, Any]] = []
    own: Executor | None = None
    if executor is None and n_workers > 1:
        own = executor = ProcessPoolExecutor(
            n_workers, mp_context=multiprocessing.get_context("spawn")
        )
    bar = tqdm(
        total=total,
        unit="session",
        disable=not (total >= 10_000 if progress is None else progress),
        dynamic_ncols=True,
    )

    def take(sess: Any, memb: Any, partial: Partial) -> None:
        summary.add(partial)
        if writer is not None:
            writer.write(sess, memb)
        else:
            kept.append((sess, memb))
        bar.update(partial[1])

    try:
        tasks = _tasks(conds, sessions, seed, chunk_size)
        if executor is None:
            for task in tasks:
                take(*run_task(task))
        else:
            window: deque[Future[tuple[Any, Any, Partial]]] = deque()
            limit = 2 * n_workers + 2
            for task in tasks:
                window.append(executor.submit(run_task, task))
                if len(window) >= limit:
                    take(*window.popleft().result())
            while window:
                take(*window.popleft().result())
    finally:
        bar.close()
        if writer is not None:
            writer.close()
        if own is not None:
            own.shutdown(cancel_futures=True)
    if writer is not None:
        return SweepResult(summary=summary.frame(), paths=writer.paths)
    frames = []
    for index in range(2):
        frames.append(pa.concat_tables([part[index] for part in kept]).to_pandas())
    return SweepResult(summary=summary.frame(), sessions=frames[0], members=frames[1])
