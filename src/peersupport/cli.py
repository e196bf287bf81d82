"""The ``peersupport`` command line.

Subcommands: ``demo`` (a seeded sharing circle, optionally saved for ``replay``),
``formats``, ``show`` and ``diagram`` (installed formats), ``replay`` and
``upgrade`` (event logs), ``simulate`` (``sim`` extra), ``serve`` (the web room),
``directory`` (meeting feeds, calendars), ``export`` (research) and
``attendance``, ``trends``, ``buddies`` (a stored group across weeks).

Bad input (an unknown format, a malformed file, a bad option value) prints one
line ``peersupport: error: ...`` on stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

from peersupport import __version__, directory_cli, formats, group_cli, research_cli
from peersupport import events as event_log
from peersupport.config import dump_group, load_group
from peersupport.demo import demo_session, run_demo
from peersupport.engine.format import Format
from peersupport.engine.session import Session
from peersupport.engine.state import SessionStatus
from peersupport.errors import ConfigError, LogError
from peersupport.report import PHASE_COLUMNS, fairness_table, guard_text, phase_table, timeline
from peersupport.values import Group
from peersupport.web import cli as web_cli

__all__ = ["entry", "main"]

#: Width descriptions are wrapped to.
_WIDTH = 88


class _Failure(Exception):
    """Bad input: ``main`` prints the message as one ``peersupport: error:`` line."""


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
            "The same seed prints the same output. --save-log and --save-group write "
            "the session's event log and its group, to try 'peersupport replay'."
        ),
    )
    demo.add_argument("--seed", type=int, default=7, help="seed of the members' choices (7)")
    demo.add_argument(
        "--save-log", type=Path, metavar="FILE.jsonl", help="write the event log (JSON Lines)"
    )
    demo.add_argument(
        "--save-group", type=Path, metavar="FILE.json", help="write the group file (JSON)"
    )
    commands.add_parser(
        "formats",
        help="list the installed session formats and the plugin that provides each",
        description=(
            "List the installed session formats: name, title and the plugin that "
            "provides each (built-in formats come from peersupport.formats.*)."
        ),
    )
    show = commands.add_parser(
        "show",
        help="show a format's phases, limits and transitions",
        description=(
            "Show a session format: its phases in the order the chart declares them, "
            "with each phase's turn policy, time budget, share limit, time warning, "
            "hard cap, cross-talk, whether it counts as sharing and its extra rules; "
            "then how many facilitators it needs and its transitions with their guards."
        ),
    )
    show.add_argument("format", metavar="FORMAT", help="name of an installed format")
    diagram = commands.add_parser(
        "diagram",
        help="print a format's state chart as a mermaid diagram",
        description=(
            "Print a format's state chart as a mermaid stateDiagram-v2, or write it to "
            "FILE: a .md file gets a ```mermaid fenced block, a .mmd file the raw diagram."
        ),
    )
    diagram.add_argument("format", metavar="FORMAT", help="name of an installed format")
    diagram.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write to FILE (.md or .mmd)"
    )
    replay = commands.add_parser(
        "replay",
        help="rebuild a session from its event log and print its timeline",
        description=(
            "Rebuild a session from its JSON Lines event log, re-enacting every event "
            "through today's checks, and print its timeline and fairness summary. The "
            "format is the one the log names; the group comes from a group file. A "
            "malformed or tampered log is refused, naming the line. Try: peersupport demo "
            "--save-log demo.jsonl --save-group group.json; peersupport replay demo.jsonl "
            "--group group.json"
        ),
    )
    replay.add_argument("log", type=Path, metavar="LOG.jsonl", help="the session's event log")
    replay.add_argument(
        "--group",
        type=Path,
        required=True,
        metavar="GROUP.json",
        help="the group file of the group that ran the session",
    )
    upgrade = commands.add_parser(
        "upgrade",
        help="rewrite an event log of an older version (0.1) for this version",
        description=(
            "Rewrite an event log written by peersupport 0.1 (log version 1) as a log of "
            "this version, by re-enacting it with the group that ran it; every old event "
            "must come out the same. Writes OUTPUT (default: LOG with .v2.jsonl)."
        ),
    )
    upgrade.add_argument("log", type=Path, metavar="LOG.jsonl", help="the old event log")
    upgrade.add_argument(
        "--group", type=Path, required=True, metavar="GROUP.json", help="the group file"
    )
    upgrade.add_argument("-o", "--output", type=Path, metavar="OUTPUT.jsonl", help="where to write")
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
    web_cli.add_arguments(commands.add_parser("serve", help=web_cli.HELP, description=web_cli.HELP))
    for name, module in (("directory", directory_cli), ("export", research_cli)):
        module.add_arguments(commands.add_parser(name, help=module.HELP))
    for name, text in group_cli.COMMANDS.items():
        group_cli.add_arguments(name, commands.add_parser(name, help=text))
    return parser


def _get_format(name: str) -> Format:
    """The installed format called ``name``.

    Raises:
        _Failure: If no such format is installed.
    """
    names = formats.names()
    if name not in names:
        raise _Failure(f"unknown format {name!r} (installed: {', '.join(names)})")
    return formats.get(name)


def _table(rows: Sequence[Sequence[str]], indent: str = "") -> list[str]:
    """Rows aligned in columns two spaces apart."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        (indent + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))).rstrip()
        for row in rows
    ]


def _phase_lines(fmt: Format) -> list[str]:
    """One block per phase, in chart order, with the values the docs show too."""
    lines: list[str] = []
    for number, (spec, row) in enumerate(zip(fmt.phases.values(), phase_table(fmt), strict=True)):
        marks = [m for m, on in (("initial", spec.id == fmt.initial), ("final", spec.final)) if on]
        lines.append(
            f"{number + 1}. {row['phase']}: {row['name']}"
            + (f" ({', '.join(marks)})" if marks else "")
        )
        lines += _table([(column, row[column]) for column in PHASE_COLUMNS[2:]], indent="   ")
    return lines


def _show(fmt: Format, plugin: str) -> list[str]:
    lines = [f"{fmt.name}: {fmt.title} (from {plugin})"]
    if fmt.description:
        lines += textwrap.wrap(fmt.description, _WIDTH, break_on_hyphens=False)
    lines += [
        "",
        f"Facilitators: {fmt.facilitators}",
        "",
        "Phases, in order (times as m:ss; 'agreement': the group's agreement decides):",
    ]
    lines += _phase_lines(fmt)
    rows = [("event", "from", "to", "guards")]
    rows += [
        (t.event, t.source, t.target, guard_text(t, ", ") or "-")
        for phase in fmt.phases.values()
        for t in phase.transitions
    ]
    lines += ["", "Transitions:", *_table(rows, indent="   ")]
    return lines


def _cmd_demo(args: argparse.Namespace) -> int:
    if args.save_log is not None or args.save_group is not None:
        session = demo_session(args.seed)
        try:
            if args.save_log is not None:
                event_log.dump(session.events, args.save_log)
            if args.save_group is not None:
                dump_group(session.group, args.save_group)
        except OSError as exc:
            raise _Failure(f"cannot write {exc.filename}: {exc.strerror}") from None
    for line in run_demo(args.seed):
        print(line)
    # The notice goes to stderr: stdout stays exactly the demo.
    saved = [str(p) for p in (args.save_log, args.save_group) if p is not None]
    if saved:
        notice = f"peersupport: wrote {' and '.join(saved)}"
        if len(saved) == 2:
            notice += f"; replay with: peersupport replay {saved[0]} --group {saved[1]}"
        print(notice, file=sys.stderr)
    return 0


def _cmd_formats(_args: argparse.Namespace) -> int:
    rows = [("format", "title", "plugin")]
    for name, plugin in formats.installed().items():
        rows.append((name, formats.get(name).title, plugin))
    for line in _table(rows):
        print(line)
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    fmt = _get_format(args.format)
    for line in _show(fmt, formats.installed()[fmt.name]):
        print(line)
    return 0


def _cmd_diagram(args: argparse.Namespace) -> int:
    fmt = _get_format(args.format)
    chart = fmt.mermaid()
    out: Path | None = args.output
    if out is None:
        sys.stdout.write(chart)
        return 0
    suffix = out.suffix.lower()
    if suffix == ".md":
        text = f"```mermaid\n{chart.rstrip()}\n```\n"
    elif suffix == ".mmd":
        text = chart
    else:
        raise _Failure(f"-o must end in .md or .mmd, got {out.name!r}")
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _Failure(f"cannot write {out}: {exc.strerror}") from None
    print(f"wrote {out}")
    return 0


def _read_log(path: Path) -> list[event_log.Event]:
    try:
        return event_log.load(path)
    except LogError as exc:
        raise _Failure(f"{path}: line {exc.line}: {exc.problem}") from None
    except OSError as exc:
        raise _Failure(f"cannot read {path}: {exc.strerror}") from None


def _read_group(path: Path) -> Group:
    try:
        return load_group(path)
    except ConfigError as exc:
        raise _Failure(str(exc)) from None
    except OSError as exc:
        raise _Failure(f"cannot read {path}: {exc.strerror}") from None


def _cmd_replay(args: argparse.Namespace) -> int:
    path: Path = args.log
    events = _read_log(path)
    group = _read_group(args.group)
    if not events:
        raise _Failure(f"{path}: the log is empty; it must start with an 'opened' event")
    name = events[0].data.get("format")
    if not isinstance(name, str):
        raise _Failure(f"{path}: line 1: the first event names no format")
    if name not in formats.names():
        raise _Failure(
            f"{path}: line 1: the log is of format {name!r}, which is not installed "
            f"(installed: {', '.join(formats.names())})"
        )
    fmt = formats.get(name)
    try:
        session = Session.verify(group, fmt, events, hooks=False)
    except LogError as exc:
        raise _Failure(f"{path}: line {exc.line}: {exc.problem}") from None
    lines = [f"peersupport replay: {group.name}, {fmt.title}, {path}", ""]
    lines += timeline(group, fmt, events)
    if session.state.status is not SessionStatus.ENDED:
        lines.append(f"{'':10}(the log ends here; the session had not ended)")
    lines += ["", "Fairness summary (sharing phases only):"]
    lines += fairness_table(group, session.state).splitlines()
    for line in lines:
        print(line)
    return 0


def _cmd_upgrade(args: argparse.Namespace) -> int:
    path: Path = args.log
    group = _read_group(args.group)
    try:
        old = event_log.read_legacy(path)
        name = old[0].data.get("format") if old else None
        fmt = _get_format(str(name))
        new = event_log.upgrade(group, fmt, old)
    except LogError as exc:
        raise _Failure(f"{path}: line {exc.line}: {exc.problem}") from None
    except OSError as exc:
        raise _Failure(f"cannot read {path}: {exc.strerror}") from None
    output: Path = args.output or path.with_suffix(".v2.jsonl")
    event_log.dump(new, output)
    print(f"peersupport: wrote {output} ({len(new)} events, log version {event_log.LOG_VERSION})")
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    if getattr(args, "missing_extra", False):  # pragma: no cover - without the sim extra
        raise _Failure("simulate needs the sim extra: pip install 'peersupport[sim]'")
    from peersupport.sim.cli import run

    for name in args.formats:
        _get_format(name)  # the same message as the other commands give
    try:
        lines = run(args)
    except (ValueError, OSError) as exc:
        raise _Failure(str(exc)) from None
    for line in lines:
        print(line)
    return 0


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "demo": _cmd_demo,
    "formats": _cmd_formats,
    "show": _cmd_show,
    "diagram": _cmd_diagram,
    "replay": _cmd_replay,
    "upgrade": _cmd_upgrade,
    "simulate": _cmd_simulate,
    "serve": web_cli.run,
    "directory": directory_cli.run,
    "export": research_cli.run,
    **dict.fromkeys(group_cli.COMMANDS, group_cli.run),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code.

    Args:
        argv: The arguments (default: ``sys.argv[1:]``).

    Returns:
        0 on success, 2 on bad input (after printing one ``peersupport: error:``
        line on stderr). argparse's own usage errors raise ``SystemExit(2)``.
    """
    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except _Failure as exc:
        print(f"peersupport: error: {exc}", file=sys.stderr)
        return 2


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
