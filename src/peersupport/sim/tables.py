"""The tables of a sweep: their schemas, the chunks that fill them, the summary.

A sweep's results are tidy tables: one row per session (:data:`SESSION_SCHEMA`),
and a long table with one row per member present in each session
(:data:`MEMBER_SCHEMA`). A :class:`Task` is one chunk of sessions of one
condition; :func:`run_task` runs it (wherever the executor puts it) and hands
back both tables as Arrow tables plus the sums that :class:`Summary` turns into
the mean metrics per condition. :class:`Writer` writes the tables chunk by chunk
to Parquet (or CSV), so memory stays flat however many sessions run.

The rows of a chunk depend only on the root seed, the condition and the
replicates, never on where or with what else the chunk runs.
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.csv as pa_csv  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from peersupport import formats as _formats
from peersupport.sim.conditions import Condition
from peersupport.sim.metrics import MEMBER_COLUMNS, SESSION_COLUMNS, collect
from peersupport.sim.runner import run_session

__all__ = [
    "MEMBER_SCHEMA",
    "SESSION_SCHEMA",
    "SUMMARY_METRICS",
    "Columns",
    "Partial",
    "Summary",
    "Task",
    "Writer",
    "members_path",
    "run_chunk",
    "run_task",
    "summarize",
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
    "hands_raised",
    "hands_answered",
    "queue_jumps",
    "never_heard",
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
    "meeting_overran",
    "meeting_overrun",
    "hand_wait_mean",
    "queue_jumps",
    "never_heard",
)


@attrs.frozen
class Task:
    """One chunk: replicates ``start`` .. ``stop - 1`` of condition number ``index``.

    It carries only its own condition, not the whole grid, so what is pickled and
    shipped per task does not grow with the grid.
    """

    condition: Condition
    root: int
    index: int
    start: int
    stop: int


#: A table being filled: its columns by name.
Columns = dict[str, list[Any]]


def run_chunk(
    conditions: Sequence[Condition], root: int, condition: int, start: int, stop: int
) -> tuple[Columns, Columns]:
    """Run replicates ``start`` .. ``stop - 1`` of one condition; return both tables' columns.

    The result depends only on the arguments, never on where or with what else it runs.
    """
    return _run_chunk(conditions[condition], root, condition, start, stop)


def _run_chunk(
    cond: Condition, root: int, condition: int, start: int, stop: int
) -> tuple[Columns, Columns]:
    fmt = _formats.get(cond.format)
    pop = cond.population
    size = cond.members
    pop_name = cond.population_name
    sess: Columns = {f.name: [] for f in SESSION_SCHEMA}
    memb: Columns = {f.name: [] for f in MEMBER_SCHEMA}
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


#: A chunk's summary sums: ``(condition, sessions, sums, counts)``, per
#: :data:`SUMMARY_METRICS` entry the exact sum of the non-``nan`` values (as
#: :func:`add_exactly`'s partials) and their count.
Partial = tuple[int, int, list[list[float]], list[int]]


def add_exactly(partials: list[float], x: float) -> None:
    """Add ``x`` to the exact sum held by ``partials``, in place.

    ``partials`` are non-overlapping floats whose exact sum is the running total
    (Shewchuk's algorithm, as ``math.fsum`` uses): ``math.fsum(partials)`` is the
    correctly rounded total whatever order the values came in, so a sweep's
    summary does not depend on how its sessions were cut into chunks.
    """
    i = 0
    for y in partials:
        if abs(x) < abs(y):
            x, y = y, x
        hi = x + y
        lo = y - (hi - x)
        if lo:
            partials[i] = lo
            i += 1
        x = hi
    partials[i:] = [x]


def run_task(task: Task) -> tuple[Any, Any, Partial]:
    """Run a chunk in the worker and hand back Arrow tables plus summary sums.

    Converting and summing where the sessions ran keeps the collecting process light.
    """
    sess, memb = _run_chunk(task.condition, task.root, task.index, task.start, task.stop)
    sums: list[list[float]] = [[] for _ in SUMMARY_METRICS]
    counts = [0] * len(SUMMARY_METRICS)
    for j, name in enumerate(SUMMARY_METRICS):
        for v in sess[name]:
            if v == v:  # not nan
                add_exactly(sums[j], v)
                counts[j] += 1
    partial = (task.index, len(sess["replicate"]), sums, counts)
    return (
        pa.Table.from_pydict(sess, schema=SESSION_SCHEMA),
        pa.Table.from_pydict(memb, schema=MEMBER_SCHEMA),
        partial,
    )


class Summary:
    """Exact running sums of the summary metrics per condition (flat memory)."""

    def __init__(self, conditions: Sequence[Condition]) -> None:
        self.conditions = conditions
        self.n = [0] * len(conditions)
        self.sums: list[list[list[float]]] = [[[] for _ in SUMMARY_METRICS] for _ in conditions]
        self.counts = [[0] * len(SUMMARY_METRICS) for _ in conditions]

    def add(self, partial: Partial) -> None:
        """Add one chunk's sums (from :func:`run_task`)."""
        c, n, sums, counts = partial
        self.n[c] += n
        for j in range(len(SUMMARY_METRICS)):
            total = self.sums[c][j]
            for x in sums[j]:
                add_exactly(total, x)
            self.counts[c][j] += counts[j]

    def frame(self) -> pd.DataFrame:
        """The summary table, one row per condition (as :func:`summarize` makes it)."""
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
                row[name] = math.fsum(self.sums[i][j]) / k if k else math.nan
            rows.append(row)
        return pd.DataFrame(rows)


def _exact_mean(values: pd.Series) -> float:
    """The mean of the non-``nan`` values, from their correctly rounded sum."""
    kept = values.dropna()
    return math.fsum(kept) / len(kept) if len(kept) else math.nan


def summarize(sessions: pd.DataFrame) -> pd.DataFrame:
    """Mean of :data:`SUMMARY_METRICS` per condition, as a sweep's summary.

    The same table as :attr:`~peersupport.sim.SweepResult.summary`, from the session table.

    Rows are grouped by ``condition`` (the grid position) and labelled with format,
    population and group size, so conditions that differ only in their agreement,
    facilitator or behaviour stay apart. ``nan`` values (e.g. the Gini of a session
    where nobody spoke) are left out. Each mean is the correctly rounded sum
    (``math.fsum``) over the count, so it does not depend on the rows' order.
    """
    keys = ["condition", "format", "population", "members"]
    out = sessions.groupby(keys, sort=False)[list(SUMMARY_METRICS)].agg(_exact_mean)
    out.insert(0, "sessions", sessions.groupby(keys, sort=False).size())
    return out.reset_index()


def members_path(out: str | os.PathLike[str]) -> Path:
    """Where the member table of a sweep written to ``out`` goes.

    ``r.parquet`` -> ``r.members.parquet``; ``r.csv`` -> ``r.members.csv``.
    """
    path = Path(out)
    return path.with_name(f"{path.stem}.members{path.suffix}")


class Writer:
    """Writes both tables chunk by chunk to Parquet or CSV files.

    The session table goes to ``out``, the member table beside it (:func:`members_path`).

    Raises:
        ValueError: If ``out`` ends in neither ``.parquet`` nor ``.csv``.
    """

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
        """Append one chunk's session and member tables (Arrow tables)."""
        for writer, table in zip(self.writers, (sess, memb), strict=True):
            writer.write_table(table)

    def close(self) -> None:
        """Finish both files."""
        for writer in self.writers:
            writer.close()
