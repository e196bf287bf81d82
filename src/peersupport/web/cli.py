"""The ``peersupport serve`` command: the web meeting room (needs the ``web`` extra).

This module needs only argparse, so ``peersupport --help`` works without the
extra; :func:`run` imports the server.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["HELP", "add_arguments", "run"]

#: The command's one-line help.
HELP = (
    "run the web meeting room over an event store and print join links "
    "(needs the web extra: pip install 'peersupport[web]')"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``serve`` command's options to ``parser``."""
    parser.add_argument(
        "--store",
        default="peersupport.db",
        metavar="URL",
        help="an SQLite file (default: peersupport.db) or a postgresql:// URL",
    )
    parser.add_argument(
        "--secret-file",
        type=Path,
        metavar="PATH",
        help="the join links' key; created if missing (default: STORE's file + .secret, "
        "or .peersupport-secret for PostgreSQL)",
    )
    parser.add_argument(
        "--group", type=Path, metavar="GROUP.json", help="save this group file in the store"
    )
    parser.add_argument("--group-id", metavar="ID", help="the group's id (default: file name)")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="save the demo group and start a sharing circle; print everyone's join link",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument(
        "--public-url", metavar="URL", help="the address people use (default: http://HOST:PORT)"
    )
    parser.add_argument(
        "--poll",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="with several server processes on one store: look this often for what the "
        "others stored (0: never, for a single process)",
    )
    parser.add_argument(
        "--gc-freeze-every",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="move long-lived objects out of the garbage collector's way this often, to "
        "keep its pauses short with many rooms open (0: never; see docs/performance.md)",
    )


def run(args: argparse.Namespace) -> int:
    """Run the ``serve`` command until interrupted; 2 without the ``web`` extra."""
    try:
        from peersupport.web.serve import serve
    except ModuleNotFoundError as missing:
        print(
            f"peersupport: error: serve needs the web extra ({missing.name} is not "
            "installed): pip install 'peersupport[web]'",
            file=sys.stderr,
        )
        return 2
    return serve(args)
