"""The ``peersupport simulate`` command (needs the ``sim`` extra)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from peersupport.sim.behaviour import (
    PopulationSpec,
    dominant_talkers,
    heterogeneous,
    homogeneous,
    with_newcomers,
)

__all__ = ["POPULATIONS", "add_arguments", "parse_population", "run"]

#: Population names the command understands (``N`` is a number).
POPULATIONS = ("homogeneous", "heterogeneous", "dominant-N", "newcomers-N")


def parse_population(name: str) -> PopulationSpec:
    """A population from its command-line name (see :data:`POPULATIONS`).

    Raises:
        ValueError: If the name is not one of them.
    """
    if name == "homogeneous":
        return homogeneous()
    if name == "heterogeneous":
        return heterogeneous()
    found = re.fullmatch(r"(dominant|newcomers)-(\d+)", name)
    if found:
        n = int(found.group(2))
        return dominant_talkers(n) if found.group(1) == "dominant" else with_newcomers(n)
    raise ValueError(f"unknown population {name!r}; use one of {', '.join(POPULATIONS)}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``simulate`` options to ``parser``."""
    parser.add_argument(
        "--format",
        dest="formats",
        action="append",
        required=True,
        help="format to simulate (repeat for several conditions)",
    )
    parser.add_argument(
        "--members", action="append", type=int, help="simulated members per session (8)"
    )
    parser.add_argument(
        "--population",
        action="append",
        help=f"population: {', '.join(POPULATIONS)} (heterogeneous); repeatable",
    )
    parser.add_argument("--sessions", type=int, default=1000, help="sessions per condition (1000)")
    parser.add_argument(
        "--seed", type=int, default=0, help="root seed (0); the same as sim.sweep(..., seed=...)"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, help="worker processes (default: all CPUs)")
    where.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address")
    parser.add_argument("--out", type=Path, help="write tables to this .parquet or .csv file")
    parser.add_argument("--plot", type=Path, help="save Lorenz curves and distributions (PNG)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def run(args: argparse.Namespace) -> list[str]:
    """Run the sweep the options describe; return the summary lines to print.

    Raises:
        ValueError: On bad input (unknown format or population, bad numbers or paths).
    """
    from peersupport.sim import plots
    from peersupport.sim.sweep import grid, sweep

    if args.out is not None and args.out.suffix.lower() not in (".parquet", ".csv"):
        raise ValueError(f"--out must end in .parquet or .csv, got {args.out.name!r}")
    if args.plot is not None and args.plot.suffix.lower() != ".png":
        raise ValueError(f"--plot must end in .png, got {args.plot.name!r}")
    pops = [parse_population(p) for p in (args.population or ["heterogeneous"])]
    try:
        conditions = grid(args.formats, pops, args.members or [8])
    except KeyError as exc:
        raise ValueError(str(exc.args[0])) from None
    executor: Any = None
    client: Any = None
    if args.scheduler:
        from distributed import Client

        client = Client(args.scheduler)  # type: ignore[no-untyped-call]
        executor = client.get_executor()
    try:
        result = sweep(
            conditions,
            args.sessions,
            seed=args.seed,
            executor=executor,
            workers=args.workers,
            out=args.out,
            progress=not args.no_progress,
        )
    finally:
        if client is not None:
            client.close()
    lines: list[str] = result.summary.to_string(
        index=False, float_format=lambda v: f"{v:.3f}"
    ).splitlines()
    if result.paths is not None:
        lines.append(f"wrote {result.paths[0]} and {result.paths[1]}")
    if args.plot is not None:
        if result.members is not None:
            members = result.members
        else:
            import pandas as pd

            assert result.paths is not None
            cols = ["format", "population", "members", "speaking_time"]
            path = result.paths[1]
            members = (
                pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path, columns=cols)
            )
        by = "format" if len(set(args.formats)) > 1 or len(pops) == 1 else "population"
        lines.append(f"wrote {plots.study_figure(members, args.plot, by=by)}")
    return lines
