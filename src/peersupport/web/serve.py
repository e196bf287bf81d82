"""Starting the room's server: open the store, save groups, print links, run uvicorn."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import uvicorn

from peersupport import formats
from peersupport.config import load_group
from peersupport.demo import demo_group
from peersupport.live import LiveSession
from peersupport.store import open_store
from peersupport.web.app import Rooms, create_app
from peersupport.web.links import Links, load_secret

__all__ = ["serve"]

DEMO_GROUP_ID = "demo"


def _secret_path(args: argparse.Namespace) -> Path:
    if args.secret_file is not None:
        return Path(args.secret_file)
    if str(args.store).startswith("postgres"):
        return Path(".peersupport-secret")
    return Path(str(args.store).removeprefix("sqlite:///") + ".secret")


def serve(args: argparse.Namespace) -> int:
    """Open the store, save the given group (or the demo's), print links, and serve."""
    store = open_store(args.store)
    secret = load_secret(_secret_path(args))
    links = Links(secret)
    base = (args.public_url or f"http://{args.host}:{args.port}").rstrip("/")
    out = sys.stdout
    groups: list[str] = []
    if args.group is not None:
        group_id = args.group_id or args.group.stem
        store.save_group(group_id, load_group(args.group))
        groups.append(group_id)
    if args.demo:
        group = demo_group()
        record = store.save_group(DEMO_GROUP_ID, group)
        session_id = f"demo-{len(store.sessions(DEMO_GROUP_ID)) + 1}"
        LiveSession.start(store, session_id, DEMO_GROUP_ID, formats.get("sharing-circle"))
        print(f"Demo: a sharing circle of {record.group.name!r}, session {session_id}", file=out)
        for member in group.members:
            token = links.token(f"session:{session_id}", member.id)
            print(
                f"  {member.name:<6} {group.role_of(member.id)}: {base}/s/{session_id}/{token}",
                file=out,
            )
        groups.append(DEMO_GROUP_ID)
    for group_id in groups:
        group = store.group(group_id).group
        for member in group.facilitators:
            token = links.token(f"group:{group_id}", member.id)
            print(
                f"Start sessions of {group.name!r} ({member.name}): {base}/g/{group_id}/{token}",
                file=out,
            )
    out.flush()
    rooms = Rooms(store, poll=args.poll or None)
    app = create_app(store, secret=secret, rooms=rooms, freeze_every=args.gc_freeze_every or None)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    store.close()
    return 0
