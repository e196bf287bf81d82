"""The group-life commands: ``peersupport attendance``, ``trends`` and ``buddies``.

Each reads (and ``buddies`` writes) a store named by ``--store`` (a SQLite path or
a ``postgresql://`` URL) and a group by ``--group-id``, and prints ids only,
never names:

* ``peersupport attendance``: who attended each session, the gentle check-in
  list (members who missed ``--missed`` sessions in a row or more) and the
  group's size; ``--csv`` writes the table, ``--plot`` a figure (``sim`` extra);
* ``peersupport trends``: each ended session's k-anonymous feedback next to its
  fairness (``sim`` extra); ``--csv`` and ``--plot`` as above;
* ``peersupport buddies``: the buddy pairing (``list``), and its actions
  (``offer``, ``request``, ``withdraw``, ``pair``, ``end``), each recorded in
  the group's log with ``--by`` as who acted;
* ``peersupport agreement``: the line of the group's agreement versions
  (``history``: who proposed each, how it was decided, in which session), and
  ``amend SETTING=VALUE ...`` between sessions (``--guidelines FILE``: one
  guideline a line), with ``--proposed-by`` and ``--how``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from peersupport.attendance import COLUMNS, attendance
from peersupport.buddies import Buddies
from peersupport.errors import PeersupportError
from peersupport.store import open_store
from peersupport.store.base import Store

__all__ = ["COMMANDS", "add_arguments", "run"]

#: Each command's one-line help.
COMMANDS = {
    "attendance": "attendance per session, the check-in list and group size, from a store",
    "trends": "feedback (k-anonymous) and fairness per session of a group, from a store",
    "buddies": "list a group's buddy pairing, or offer, request, withdraw, pair, end",
    "agreement": "the line of a group's agreement versions, or amend it between sessions",
}


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", required=True, metavar="URL", help="SQLite path or URL")
    parser.add_argument("--group-id", required=True, metavar="ID", help="the stored group")


def _tables(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--csv", type=Path, metavar="FILE", help="write the table as CSV")
    parser.add_argument(
        "--plot", type=Path, metavar="FILE", help="draw a figure (needs the sim extra)"
    )


def add_arguments(command: str, parser: argparse.ArgumentParser) -> None:
    """Add ``command``'s arguments and description to ``parser``."""
    parser.description = COMMANDS[command] + ". Ids only, never names."
    _common(parser)
    if command == "attendance":
        _tables(parser)
        parser.add_argument(
            "--missed", type=int, default=2, metavar="N", help="check-in list threshold (2)"
        )
    elif command == "trends":
        _tables(parser)
    elif command == "agreement":
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("history", help="every version: who proposed it, how it was decided")
        amend = actions.add_parser("amend", help="store the next version (between sessions)")
        amend.add_argument(
            "change", nargs="*", metavar="SETTING=VALUE", help="e.g. share_limit=120"
        )
        amend.add_argument("--guidelines", type=Path, metavar="FILE", help="one guideline a line")
        amend.add_argument("--proposed-by", required=True, metavar="ID", help="who proposed it")
        amend.add_argument(
            "--how", required=True, help="consensus, majority, two-thirds or facilitator"
        )
    else:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("list", help="offers, who waits, current and past pairings")
        offer = actions.add_parser("offer", help="MEMBER offers to be a buddy")
        offer.add_argument("member")
        offer.add_argument("--capacity", type=int, default=1, help="newcomers at once (1)")
        offer.add_argument("--tag", action="append", default=[], help="a code, e.g. lang-es")
        request = actions.add_parser("request", help="MEMBER asks for a buddy")
        request.add_argument("member")
        request.add_argument("--need", action="append", default=[], help="a tag they need")
        withdraw = actions.add_parser("withdraw", help="MEMBER withdraws an offer or request")
        withdraw.add_argument("member")
        actions.add_parser("pair", help="run the pairing rule (a facilitator, --by)")
        end = actions.add_parser("end", help="end the pairing of NEWCOMER and BUDDY")
        end.add_argument("newcomer")
        end.add_argument("buddy")
        end.add_argument("--reason", default="completed", help="completed, asked, left-group …")
        for sub in (offer, request, withdraw, end, actions.choices["pair"]):
            sub.add_argument("--by", help="who acts (default: the member; pair: required)")


def _write_csv(path: Path, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(["" if v is None else v for v in row] for row in rows)
    return f"peersupport: wrote {path} ({len(rows)} rows)"


def _save(figure_of: Callable[[], Any], path: Path) -> str:
    try:
        figure_of().figure.savefig(path)
    except ModuleNotFoundError as missing:
        raise PeersupportError(
            f"--plot needs the sim extra ({missing.name} is not installed): "
            "pip install 'peersupport[sim]'"
        ) from None
    return f"peersupport: wrote {path}"


def _attendance(store: Store, args: argparse.Namespace) -> list[str]:
    from peersupport.attendance import plot_attendance

    table = attendance(store, args.group_id)
    lines = ["session     attended  members"]
    for session in table.sessions:
        came = [r.member_id for r in session.rows if r.attended]
        lines.append(f"{session.session_id:<11} {len(came):>8}  {' '.join(came)}")
    missed = table.missed_in_a_row(args.missed)
    lines.append(f"missed {args.missed} or more in a row: " + (
        ", ".join(f"{m.member_id} ({m.missed})" for m in missed) or "nobody"
    ))  # fmt: skip
    sizes = " ".join(str(s.members) for s in table.group_size())
    lines.append(f"group size per session: {sizes}")
    if args.csv:
        lines.append(_write_csv(args.csv, COLUMNS, table.to_rows()))
    if args.plot:
        lines.append(_save(lambda: plot_attendance(table), args.plot))
    return lines


def _trends(store: Store, args: argparse.Namespace) -> list[str]:
    from peersupport.trends import plot_trends, trends

    try:
        table = trends(store, args.group_id)
    except ModuleNotFoundError as missing:
        raise PeersupportError(
            f"trends need the sim extra ({missing.name} is not installed): "
            "pip install 'peersupport[sim]'"
        ) from None
    head = ["session", "answers", *table.questions, "shared", "gini"]
    lines = ["  ".join(f"{h:>10}" for h in head)]
    for row in table.rows:
        means = [
            ("-" if m is None else f"{m:.1f}") for m in (row.means.get(q) for q in table.questions)
        ]
        cells = [
            row.session_id,
            row.respondents,
            *means,
            f"{row.frac_shared:.2f}",
            f"{row.gini_speaking:.2f}",
        ]
        lines.append("  ".join(f"{c:>10}" for c in cells))
    lines.append("(- : fewer answers than the group's k; nothing is shown)")
    if args.csv:
        lines.append(_write_csv(args.csv, table.columns, table.to_rows()))
    if args.plot:
        lines.append(_save(lambda: plot_trends(table)[0], args.plot))
    return lines


def _buddies(store: Store, args: argparse.Namespace) -> list[str]:
    book = Buddies(store, args.group_id)
    by = getattr(args, "by", None)
    if args.action == "offer":
        book.offer(args.member, capacity=args.capacity, tags=args.tag, by=by)
    elif args.action == "request":
        book.request(args.member, needs=args.need, by=by)
    elif args.action == "withdraw":
        if args.member in book.state.offers:
            book.withdraw_offer(args.member, by=by)
        else:
            book.withdraw_request(args.member, by=by)
    elif args.action == "pair":
        if by is None:
            raise PeersupportError("pair needs --by: the facilitator who runs the pairing rule")
        made = book.pair(by=by)
        return [f"paired {p.newcomer} with {p.buddy}" for p in made] or ["nobody waiting fits"]
    elif args.action == "end":
        book.end(args.newcomer, args.buddy, reason=args.reason, by=by)
    state = book.state
    lines = ["offers: " + (", ".join(
        f"{o.buddy} ({state.load(o.buddy)}/{o.capacity}{' ' + ' '.join(o.tags) if o.tags else ''})"
        for o in state.offers.values()
    ) or "none")]  # fmt: skip
    lines.append("waiting: " + (", ".join(
        r.newcomer + (f" (needs {' '.join(r.needs)})" if r.needs else "")
        for r in state.waiting.values()
    ) or "nobody"))  # fmt: skip
    for p in state.pairings:
        ended = f", ended ({p.reason})" if p.ended_at is not None else ""
        lines.append(f"pairing: {p.newcomer} with {p.buddy} ({p.how}{ended})")
    return lines


def _value(text: str) -> Any:
    """A setting's value from the command line: JSON (``120``, ``true``, ``null``), else text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _agreement(store: Store, args: argparse.Namespace) -> list[str]:
    if args.action == "amend":
        changes: dict[str, Any] = {}
        for change in args.change:
            name, sep, value = change.partition("=")
            if not sep:
                raise PeersupportError(f"{change!r}: a change is SETTING=VALUE")
            changes[name] = _value(value)
        if args.guidelines:
            lines = args.guidelines.read_text(encoding="utf-8").splitlines()
            changes["guidelines"] = tuple(line.strip() for line in lines if line.strip())
        record = store.amend_agreement(
            args.group_id, proposed_by=args.proposed_by, how=args.how, **changes
        )
        return [f"agreement v{record.group.agreement.version} (group version {record.version})"]
    lines = ["version  group  proposed by  how          session"]
    for v in store.agreement_history(args.group_id):
        by, session = v.proposed_by or "-", v.session or "-"
        lines.append(f"v{v.version:<7} {v.group_version:>5}  {by:<11}  {v.how:<11}  {session}")
    return lines


def run(args: argparse.Namespace) -> int:
    """Run one of :data:`COMMANDS`; 2 (after one ``peersupport: error:`` line) on bad input."""
    url = str(args.store)
    try:
        if not url.startswith("postgres") and not Path(url.removeprefix("sqlite:///")).is_file():
            raise PeersupportError(f"no store at {url!r} (a SQLite file or a postgresql:// URL)")
        with open_store(url) as store:
            act = {
                "attendance": _attendance,
                "trends": _trends,
                "buddies": _buddies,
                "agreement": _agreement,
            }
            lines = act[args.command](store, args)
    except (PeersupportError, ValueError, OSError) as exc:
        print(f"peersupport: error: {exc}", file=sys.stderr)
        return 2
    for line in lines:
        print(line)
    return 0
