"""The ``peersupport directory`` command: a Meeting Guide feed and calendar files.

``peersupport directory GROUP.json [GROUP.json ...] --json FEED.json --ics OUTDIR``
writes the meetings of the groups as one Meeting Guide JSON feed and one
iCalendar file per group (``OUTDIR/GROUP.ics``, named after the group file);
without ``--json`` and ``--ics`` it prints the feed. The calendars need the
``icalendar`` package (``pip install 'peersupport[directory]'``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from peersupport.config import load_group
from peersupport.directory import check_feed, meeting_guide_feed, to_icalendar
from peersupport.errors import ConfigError
from peersupport.values import Group

__all__ = ["HELP", "add_arguments", "run"]

#: The command's one-line help.
HELP = "write the groups' meetings as a Meeting Guide JSON feed and iCalendar files"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``directory`` command's arguments and description to ``parser``."""
    parser.description = (
        "Write the meetings of the groups in GROUP.json files as one Meeting Guide JSON "
        "feed (--json) and one iCalendar file per group (--ics; needs the icalendar "
        "package: pip install 'peersupport[directory]'). Without --json and --ics, print "
        "the feed. Listings are public: no member's name or id is in them."
    )
    parser.add_argument(
        "groups", nargs="+", type=Path, metavar="GROUP.json", help="group files with meetings"
    )
    parser.add_argument(
        "--json",
        type=Path,
        metavar="FEED.json",
        help="write the Meeting Guide feed of all the groups' meetings here",
    )
    parser.add_argument(
        "--ics",
        type=Path,
        metavar="OUTDIR",
        help="write one calendar per group here, named after its group file (GROUP.ics)",
    )


class _Failure(Exception):
    """Bad input: :func:`run` prints it as one ``peersupport: error:`` line."""


def _groups(paths: list[Path]) -> list[Group]:
    groups = []
    for path in paths:
        try:
            groups.append(load_group(path))
        except ConfigError as exc:
            raise _Failure(str(exc)) from None
        except OSError as exc:
            raise _Failure(f"cannot read {path}: {exc.strerror}") from None
    return groups


def _calendars(paths: list[Path], groups: list[Group], outdir: Path) -> list[str]:
    """Write one ``.ics`` per group into ``outdir``; the lines to print."""
    targets = [outdir / f"{path.stem}.ics" for path in paths]
    if len(set(targets)) < len(targets):
        raise _Failure("two group files have the same name; each calendar is named after one")
    try:
        calendars = [to_icalendar(group) for group in groups]
    except ModuleNotFoundError as missing:
        raise _Failure(
            f"--ics needs the icalendar package ({missing.name} is not installed): "
            "pip install 'peersupport[directory]'"
        ) from None
    outdir.mkdir(parents=True, exist_ok=True)
    lines = []
    for target, group, calendar in zip(targets, groups, calendars, strict=True):
        target.write_bytes(calendar)
        lines.append(f"peersupport: wrote {target} ({len(group.meetings)} meeting(s))")
    return lines


def _write(args: argparse.Namespace) -> list[str]:
    groups = _groups(args.groups)
    try:
        feed = meeting_guide_feed(groups)
    except ValueError as exc:
        raise _Failure(str(exc)) from None
    problems = check_feed(feed)
    if problems:  # pragma: no cover - the feed is built to pass
        raise _Failure(f"the feed breaks the Meeting Guide spec: {problems[0]}")
    text = json.dumps(feed, indent=2, ensure_ascii=False) + "\n"
    if args.json is None and args.ics is None:
        sys.stdout.write(text)
        return []
    lines = []
    try:
        if args.ics is not None:
            lines += _calendars(args.groups, groups, args.ics)
        if args.json is not None:
            args.json.write_text(text, encoding="utf-8")
            count = f"{len(feed)} meeting(s) of {len(groups)} group(s)"
            lines.append(f"peersupport: wrote {args.json} ({count})")
    except OSError as exc:
        raise _Failure(f"cannot write {exc.filename}: {exc.strerror}") from None
    return lines


def run(args: argparse.Namespace) -> int:
    """Run the ``directory`` command; 2 (after one ``peersupport: error:`` line) on bad input."""
    try:
        lines = _write(args)
    except _Failure as exc:
        print(f"peersupport: error: {exc}", file=sys.stderr)
        return 2
    for line in lines:
        print(line)
    return 0
