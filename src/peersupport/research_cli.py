"""The ``peersupport export`` command: a privacy-safe research export of session logs.

``peersupport export --store URL --group-id ID --key-file KEY --out DIR`` exports
a stored group's ended sessions (each with the group version it ran under);
``peersupport export LOG.jsonl ... --group GROUP.json --key-file KEY --out DIR``
exports log files of one group. Either way member ids become keyed pseudonyms
(see :mod:`peersupport.research`), ``--visitors drop`` leaves visitors out, and
``--shift-times`` makes each session open at 0.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from peersupport.config import load_group
from peersupport.engine.log import load
from peersupport.errors import PeersupportError
from peersupport.research import MIN_KEY_BYTES, ResearchExport, research_export, store_export
from peersupport.store import open_store

__all__ = ["HELP", "add_arguments", "run"]

#: The command's one-line help.
HELP = "a privacy-safe research export (keyed pseudonyms) of a group's session logs"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``export`` command's arguments and description to ``parser``."""
    parser.description = (
        "Export a group's session logs for research: member ids become keyed pseudonyms "
        "(HMAC-SHA256 under the group's secret key), visitors are pseudonymised per "
        "session or dropped, the group fingerprint is replaced; writes "
        "session-0001.jsonl ... and manifest.json. Give --store and --group-id for a "
        "stored group's ended sessions, or log files and --group."
    )
    parser.add_argument("logs", nargs="*", type=Path, metavar="LOG.jsonl", help="log files")
    parser.add_argument("--group", type=Path, metavar="GROUP.json", help="the logs' group")
    parser.add_argument("--store", metavar="URL", help="a store (SQLite path or URL)")
    parser.add_argument("--group-id", metavar="ID", help="the stored group")
    parser.add_argument(
        "--key-file",
        type=Path,
        required=True,
        metavar="KEY",
        help=f"the group's secret key: a file of at least {MIN_KEY_BYTES} random bytes",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="write here")
    parser.add_argument(
        "--visitors",
        choices=("pseudonymise", "drop"),
        default="pseudonymise",
        help="pseudonymise visitors per session (default) or drop them with their events",
    )
    parser.add_argument(
        "--shift-times", action="store_true", help="shift each session to open at time 0"
    )


def _export(args: argparse.Namespace) -> ResearchExport:
    try:
        key = args.key_file.read_bytes()
    except OSError as exc:
        raise PeersupportError(
            f"cannot read the key file {args.key_file}: {exc.strerror}"
        ) from None
    if len(key) < MIN_KEY_BYTES:
        raise PeersupportError(
            f"the key file {args.key_file} holds {len(key)} bytes; at least {MIN_KEY_BYTES} "
            "random bytes are needed (keep the same key for every export of the group)"
        )
    options = {"key": key, "visitors": args.visitors, "shift_times": args.shift_times}
    if args.store is not None:
        if args.logs or args.group is not None or args.group_id is None:
            raise PeersupportError("give --store with --group-id, and no log files or --group")
        if not args.store.startswith("postgres") and not Path(args.store).is_file():
            raise PeersupportError(f"no store at {args.store!r}")
        with open_store(args.store) as store:
            return store_export(store, args.group_id, **options)
    if not args.logs or args.group is None:
        raise PeersupportError("give log files and --group, or --store and --group-id")
    group = load_group(args.group)
    logs = []
    for path in args.logs:
        try:
            logs.append(load(path))
        except OSError as exc:
            raise PeersupportError(f"cannot read {path}: {exc.strerror}") from None
    return research_export(logs, group, **options)


def run(args: argparse.Namespace) -> int:
    """Run the ``export`` command; 2 (after one ``peersupport: error:`` line) on bad input."""
    try:
        export = _export(args)
        written = export.write(args.out)
    except (PeersupportError, ValueError) as exc:
        print(f"peersupport: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"peersupport: error: cannot write {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    manifest = export.manifest
    print(
        f"peersupport: wrote {manifest.sessions} session(s), {manifest.events} events, "
        f"{manifest.members} member pseudonym(s) and {written[-1].name} to {args.out}"
    )
    return 0
