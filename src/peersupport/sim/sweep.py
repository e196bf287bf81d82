"""Parameter sweeps: a grid of conditions x replicates, run on any executor.

Each session's random draws come from its own seed, spawned from one root seed
with :class:`numpy.random.SeedSequence` (``spawn_key=(condition, replicate)``,
i.e. ``SeedSequence(root).spawn(...)[condition].spawn(...)[replicate]``).
Sessions are cut into chunks that are run anywhere (serially, on a process
pool, on a Dask cluster through ``distributed.Client(...).get_executor()``) and
collected back **in order**, so the results are identical whatever the executor,
the number of workers or the chunk size.

Results are tidy tables: one row per session, and a long table with one row per
member present in each session. With ``out=`` they are written chunk by chunk
to Parquet (or CSV), so memory stays flat however many sessions run.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import os
import random
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.csv as pa_csv  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
from tqdm import tqdm

from peersupport import formats as _formats
from peersupport.model import Agreement
from peersupport.sim.behaviour import Behaviour, Population, PopulationSpec
from peersupport.sim.metrics import MEMBER_COLUMNS, SESSION_COLUMNS, collect
from peersupport.sim.runner import Facilitator, run_session

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

_KEYS = (
    ("condition", pa.int32()),
    ("format", pa.string()),
    ("population", pa.string()),
    ("members", pa.int32()),
    ("replicate", pa.int64()),
)
_INT = {
    "members_present",
    "events",
    "shares",
    "passes",
    "never_reached",
    "not_reached",
    "cross_talk_blocked",
    "interjections",
    "phase_overruns",
    "seat",
}
_TYPES = {"member": pa.string(), "newcomer": pa.bool_(), "left_early": pa.bool_()}


def _field(name: str) -> pa.Field:
    kind = _TYPES.get(name, pa.int32() if name in _INT else pa.float64())
    return pa.field(name, kind)


#: Arrow schema of the per-session table.
SESSION_SCHEMA = pa.schema([*(pa.field(n, t) for n, t in _KEYS), *map(_field, SESSION_COLUMNS)])
#: Arrow schema of the per-member (long) table.
MEMBER_SCHEMA = pa.schema([*(pa.field(n, t) for n, t in _KEYS), *map(_field, MEMBER_COLUMNS)])
#: Session metrics averaged per condition by :func:`summarize`.
SUMMARY_METRICS = (
    "gini_speaking",
    "gini_shares",
    "top_share",
    "entropy",
    "frac_shared",
    "never_reached",
    "not_reached",
    "wait_first_share",
    "cross_talk_blocked",
    "overtime",
    "phase_overruns",
)


@attrs.frozen
class Condition:
    """One cell of a sweep's grid.

    Attributes:
        format: Name of the format.
        population: Population the members are drawn from.
        members: Number of simulated members (the facilitator comes on top).
        agreement: The group's agreement (``None``: the simulation default).
        facilitator: How the facilitator runs sessions (``None``: the default).
        behaviour: How members act (``None``: :class:`ProfileBehaviour`). It must
            be picklable to run on a process pool or a cluster.
    """

    format: str
    population: Population = attrs.field(factory=lambda: PopulationSpec("homogeneous"))
    members: int = 8
    agreement: Agreement | None = None
    facilitator: Facilitator | None = None
    behaviour: Behaviour | None = None

    @property
    def population_name(self) -> str:
        """The population's ``name`` attribute, or its class name."""
        return str(getattr(self.population, "name", type(self.population).__name__))


def grid(
    format: str | Sequence[str],  # noqa: A002
    population: Population | Sequence[Population] | None = None,
    members: int | Sequence[int] = 8,
    *,
    agreement: Agreement | None = None,
    facilitator: Facilitator | None = None,
    behaviour: Behaviour | None = None,
) -> list[Condition]:
    """Every combination of formats, populations and group sizes, in that nesting order.

    Args:
        format: One format name or several.
        population: One population or several (default: homogeneous).
        members: One group size or several.
        agreement: Agreement of every condition.
        facilitator: Facilitator of every condition.
        behaviour: Behaviour of every condition.
    """
    fmts = [format] if isinstance(format, str) else list(format)
    if population is None:
        pops: list[Population] = [PopulationSpec("homogeneous")]
    elif isinstance(population, Population):
        pops = [population]
    else:
        pops = list(population)
    sizes = [members] if isinstance(members, int) else list(members)
    for name in fmts:
        _formats.get(name)  # fail early, naming the installed formats
    for size in sizes:
        if size < 1:
            raise ValueError(f"members must be at least 1, got {size}")
    return [
        Condition(f, p, n, agreement, facilitator, behaviour)
        for f, p, n in itertools.product(fmts, pops, sizes)
    ]


def replicate_seed(root: int, condition: int, replicate: int) -> int:
    """The seed of one session: ``SeedSequence(root)``'s child ``[condition][replicate]``."""
    ss = np.random.SeedSequence(root, spawn_key=(condition, replicate))
    return int(ss.generate_state(1, np.uint64)[0])


@attrs.frozen
class _Task:
    """One chunk: replicates ``start`` .. ``stop - 1`` of condition number ``index``.

    It carries only its own condition, not the whole grid, so what is pickled and
    shipped per task does not grow with the grid.
    """

    condition: Condition
    root: int
    index: int
    start: int
    stop: int


_Columns = dict[str, list[Any]]


def run_chunk(
    conditions: Sequence[Condition], root: int, condition: int, start: int, stop: int
) -> tuple[_Columns, _Columns]:
    """Run replicates ``start`` .. ``stop - 1`` of one condition; return both tables' columns.

    The result depends only on the arguments, never on where or with what else it runs.
    """
    return _run_chunk(conditions[condition], root, condition, start, stop)


def _run_chunk(
    cond: Condition, root: int, condition: int, start: int, stop: int
) -> tuple[_Columns, _Columns]:
    fmt = _formats.get(cond.format)
    pop = cond.population
    size = cond.members
    pop_name = cond.population_name
    sess: _Columns = {f.name: [] for f in SESSION_SCHEMA}
    memb: _Columns = {f.name: [] for f in MEMBER_SCHEMA}
    keys = (
        ("condition", condition),
        ("format", cond.format),
        ("population", pop_name),
        ("members", size),
    )
    ss = np.random.SeedSequence(root, spawn_key=(condition,))
    entropy = ss.entropy
    base = ss.spawn_key
    for rep in range(start, stop):
        child = np.random.SeedSequence(entropy, spawn_key=(*base, rep))
        rng = random.Random(int(child.generate_state(1, np.uint64)[0]))
        profiles = pop.draw(rng, size)
        s = run_session(
            fmt,
            profiles,
            rng,
            agreement=cond.agreement,
            behaviour=cond.behaviour,
            facilitator=cond.facilitator,
        )
        metrics, rows = collect(s, profiles)
        for k, v in keys:
            sess[k].append(v)
        sess["replicate"].append(rep)
        for name in SESSION_COLUMNS:
            sess[name].append(metrics[name])
        for row in rows:
            for k, v in keys:
                memb[k].append(v)
            memb["replicate"].append(rep)
            for name in MEMBER_COLUMNS:
                memb[name].append(row[name])
    return sess, memb


_Partial = tuple[int, int, list[float], list[int]]


def _run_task(task: _Task) -> tuple[Any, Any, _Partial]:
    """Run a chunk in the worker and hand back Arrow tables plus summary sums.

    Converting and summing where the sessions ran keeps the collecting process light.
    """
    sess, memb = _run_chunk(task.condition, task.root, task.index, task.start, task.stop)
    sums = [0.0] * len(SUMMARY_METRICS)
    counts = [0] * len(SUMMARY_METRICS)
    for j, name in enumerate(SUMMARY_METRICS):
        for v in sess[name]:
            if v == v:  # not nan
                sums[j] += v
                counts[j] += 1
    partial = (task.index, len(sess["replicate"]), sums, counts)
    return (
        pa.Table.from_pydict(sess, schema=SESSION_SCHEMA),
        pa.Table.from_pydict(memb, schema=MEMBER_SCHEMA),
        partial,
    )


class _Summary:
    """Running means of the summary metrics per condition (flat memory)."""

    def __init__(self, conditions: Sequence[Condition]) -> None:
        self.conditions = conditions
        self.n = [0] * len(conditions)
        self.sums = [[0.0] * len(SUMMARY_METRICS) for _ in conditions]
        self.counts = [[0] * len(SUMMARY_METRICS) for _ in conditions]

    def add(self, partial: _Partial) -> None:
        c, n, sums, counts = partial
        self.n[c] += n
        for j in range(len(SUMMARY_METRICS)):
            self.sums[c][j] += sums[j]
            self.counts[c][j] += counts[j]

    def frame(self) -> pd.DataFrame:
        rows = []
        for i, cond in enumerate(self.conditions):
            row: dict[str, Any] = {
                "condition": i,
                "format": cond.format,
                "population": cond.population_name,
                "members": cond.members,
                "sessions": self.n[i],
            }
            for j, name in enumerate(SUMMARY_METRICS):
                k = self.counts[i][j]
                row[name] = self.sums[i][j] / k if k else math.nan
            rows.append(row)
        return pd.DataFrame(rows)


def summarize(sessions: pd.DataFrame) -> pd.DataFrame:
    """Mean of :data:`SUMMARY_METRICS` per condition, as :attr:`SweepResult.summary`.

    Rows are grouped by ``condition`` (the grid position) and labelled with format,
    population and group size, so conditions that differ only in their agreement,
    facilitator or behaviour stay apart. ``nan`` values (e.g. the Gini of a session
    where nobody spoke) are left out.
    """
    keys = ["condition", "format", "population", "members"]
    out = sessions.groupby(keys, sort=False)[list(SUMMARY_METRICS)].mean()
    out.insert(0, "sessions", sessions.groupby(keys, sort=False).size())
    return out.reset_index()


def members_path(out: str | os.PathLike[str]) -> Path:
    """Where the member table of a sweep written to ``out`` goes.

    ``r.parquet`` -> ``r.members.parquet``; ``r.csv`` -> ``r.members.csv``.
    """
    path = Path(out)
    return path.with_name(f"{path.stem}.members{path.suffix}")


class _Writer:
    """Writes both tables chunk by chunk to Parquet or CSV files."""

    def __init__(self, out: Path) -> None:
        suffix = out.suffix.lower()
        if suffix not in (".parquet", ".csv"):
            raise ValueError(f"--out must end in .parquet or .csv, got {out.name!r}")
        self.csv = suffix == ".csv"
        self.paths = (out, members_path(out))
        self.writers: list[Any] = []
        for path, schema in zip(self.paths, (SESSION_SCHEMA, MEMBER_SCHEMA), strict=True):
            if self.csv:
                self.writers.append(pa_csv.CSVWriter(str(path), schema))
            else:
                self.writers.append(pq.ParquetWriter(str(path), schema))

    def write(self, sess: Any, memb: Any) -> None:
        for writer, table in zip(self.writers, (sess, memb), strict=True):
            writer.write_table(table)

    def close(self) -> None:
        for writer in self.writers:
            writer.close()


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
) -> Iterable[_Task]:
    for c, cond in enumerate(conditions):
        for start in range(0, sessions, chunk):
            yield _Task(cond, root, c, start, min(sessions, start + chunk))


# Default chunks per worker: enough that a worker finishing early finds more work
# (the last chunks decide when a sweep ends), few enough that the per-task cost of
# an executor (a Dask task's round trip is ~2 ms on a 2-core LocalCluster) stays far
# below a chunk's run time.
_TASKS_PER_WORKER = 8
# Default chunk size bounds (sessions): at ~0.6 ms a session, 25 sessions are
# ~15 ms of work, 2,000 about a second (and a Parquet row group of 2,000 rows).
_MIN_CHUNK, _MAX_CHUNK = 25, 2000


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
            ``workers`` processes, or in this process when ``workers == 1``.
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
    if chunk_size is None:
        chunk_size = _default_chunk_size(total, n_workers)
    writer = _Writer(Path(out)) if out is not None else None
    summary = _Summary(conds)
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

    def take(sess: Any, memb: Any, partial: _Partial) -> None:
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
                take(*_run_task(task))
        else:
            window: deque[Future[tuple[Any, Any, _Partial]]] = deque()
            limit = 2 * n_workers + 2
            for task in tasks:
                window.append(executor.submit(_run_task, task))
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
