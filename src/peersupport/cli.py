"""The ``peersupport`` command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from peersupport import __version__
from peersupport.demo import run_demo

__all__ = ["entry", "main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="peersupport",
        description="Run peer-support group sessions by their protocol.",
    )
    parser.add_argument("--version", action="version", version=f"peersupport {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser(
        "demo",
        help="run a seeded sharing circle and print its timeline and fairness summary",
        description=(
            "Run a sharing circle with a facilitator and six simulated members on a "
            "fast-forwarded clock; print the timeline and a fairness summary. "
            "The same seed prints the same output."
        ),
    )
    demo.add_argument("--seed", type=int, default=7, help="seed of the members' choices (7)")
    simulate = commands.add_parser(
        "simulate",
        help="simulate many sessions and print fairness metrics per condition",
        description=(
            "Simulate sessions of one or more formats with simulated members on the real "
            "engine, and print the mean fairness metrics per condition (needs the 'sim' "
            "extra). Conditions are every combination of --format, --population and "
            "--members."
        ),
    )
    try:
        from peersupport.sim.cli import add_arguments
    except ImportError:  # pragma: no cover - without the sim extra
        simulate.set_defaults(missing_extra=True)
    else:
        add_arguments(simulate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    if args.command == "demo":
        for line in run_demo(args.seed):
            print(line)
    elif args.command == "simulate":
        if getattr(args, "missing_extra", False):  # pragma: no cover - without the sim extra
            print(
                "peersupport: error: simulate needs the sim extra: pip install 'peersupport[sim]'"
            )
            return 2
        from peersupport.sim.cli import run

        try:
            lines = run(args)
        except (ValueError, OSError) as exc:
            print(f"peersupport: error: {exc}", file=sys.stderr)
            return 2
        for line in lines:
            print(line)
    return 0


def entry() -> int:
    """Console-script entry point: :func:`main`, quiet when the reader closes the pipe."""
    try:
        code = main()
        sys.stdout.flush()  # inside the try: a closed pipe shows up here at the latest
        return code
    except BrokenPipeError:  # e.g. `peersupport demo | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(entry())
