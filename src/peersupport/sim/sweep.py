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
    conditions: tuple[Condition, ...]
    root: int
    condition: int
    start: int
    stop: int


_Columns = dict[str, list[Any]]


def run_chunk(
    conditions: Sequence[Condition], root: int, condition: int, start: int, stop: int
) -> tuple[_Columns, _Columns]:
    """Run replicates ``start`` .. ``stop - 1`` of one condition; return both tables' columns.

    The result depends only on the arguments, never on where or with what else it runs.
    """
    cond = conditions[condition]
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
    sess, memb = run_chunk(task.conditions, task.root, task.condition, task.start, task.stop)
    sums = [0.0] * len(SUMMARY_METRICS)
    counts = [0] * len(SUMMARY_METRICS)
    for j, name in enumerate(SUMMARY_METRICS):
        for v in sess[name]:
            if v == v:  # not nan
                sums[j] += v
                counts[j] += 1
    partial = (task.condition, len(sess["replicate"]), sums, counts)
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
    """Mean of :data:`SUMMARY_METRICS` per condition (format, population, members).

    ``nan`` values (e.g. the Gini of a session where nobody spoke) are left out.
    """
    keys = ["format", "population", "members"]
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
    for c in range(len(conditions)):
        for start in range(0, sessions, chunk):
            yield _Task(conditions, root, c, start, min(sessions, start + chunk))


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
        workers: Process-pool size (default: the number of CPUs).
        out: Write the session table here (``.parquet`` or ``.csv``) and the member
            table beside it (see :func:`members_path`) instead of keeping them in memory.
        chunk_size: Sessions per task (default: a few tasks per worker, at most 2,000).
        progress: Show a progress bar (default: for 10,000 sessions or more).

    Returns:
        The summary per condition, and the tables (in memory or written).

    Raises:
        ValueError: On a bad argument (no conditions, ``sessions < 1``, bad ``out``).
    """
    conds = tuple(conditions)
    if not conds:
        raise ValueError("a sweep needs at least one condition")
    if sessions < 1:
        raise ValueError(f"sessions must be at least 1, got {sessions}")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    total = sessions * len(conds)
    n_workers = workers or os.cpu_count() or 1
    if chunk_size is None:
        chunk_size = max(1, min(2000, math.ceil(sessions / (4 * n_workers))))
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
