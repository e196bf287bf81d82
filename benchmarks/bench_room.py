"""Load on the web room: N rooms x M members over WebSockets, one server process.

    pip install -e '.[web,postgres]'
    .venv/bin/python benchmarks/bench_room.py --rooms 200 --members 10 --seconds 60
    .venv/bin/python benchmarks/bench_room.py --store postgres --postgres-url URL

The server is ``peersupport serve`` in its own process (one core), over an SQLite
file or a fresh PostgreSQL database; this process (the other core) opens one
WebSocket per member per room and drives every room through a sharing circle: all
arrive and consent, the facilitator opens the check-in, then in seat order each
member shares briefly or passes, round after round. Each room takes one action every
``--interval`` seconds (closed loop: the next waits for the last to reach every page).

Reported: actions per second, and the latency from sending an action to the moment
the last of the room's pages has the update with its event (p50, p99, max). Checked:
every page received every event of its room once, in order (no loss, no reordering),
each session's stored log has exactly those events, and each stored log restores
to the state the pages were last shown.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

import peersupport as ps
from peersupport.web import Links, room_view

GROUP_ID = "bench"


def bench_group(members: int) -> ps.Group:
    """A facilitator and ``members - 1`` members; shares are never long enough to be timed."""
    roles = {ps.Member("f", "Facilitator"): ps.Role.FACILITATOR}
    roles |= {ps.Member(f"m{i}", f"Member {i}"): ps.Role.MEMBER for i in range(1, members)}
    return ps.Group("Bench circle", roles)


class Page:
    """One member's open room page: the events it receives, in order, and its last state."""

    def __init__(self, member: str, connection: ClientConnection, room: Room) -> None:
        self.member = member
        self.connection = connection
        self.room = room
        self.order: list[int] = []
        self.state: dict[str, Any] | None = None

    async def read(self) -> None:
        async for raw in self.connection:
            message = json.loads(raw)
            if message["type"] != "state":
                continue
            now = time.perf_counter()
            self.state = message["state"]
            for event in message["events"]:
                self.order.append(event["seq"])
                self.room.arrived(event["seq"], now)


class Room:
    """One session's pages and its driver."""

    def __init__(self, sid: str) -> None:
        self.sid = sid
        self.pages: dict[str, Page] = {}
        self.latencies: list[float] = []
        self.when: list[float] = []
        self.last_seq = 0  # 'opened' (0) was stored before anyone connected
        self._waiting: dict[int, tuple[asyncio.Future[float], list[int]]] = {}

    def arrived(self, seq: int, now: float) -> None:
        """A page received event ``seq``; the last of the pages to do so ends the wait."""
        self.last_seq = max(self.last_seq, seq)
        waiting = self._waiting.get(seq)
        if waiting is not None:
            waiting[1][0] -= 1
            if waiting[1][0] == 0 and not waiting[0].done():
                waiting[0].set_result(now)

    async def act(self, member: str, action: str) -> None:
        """Send an action; wait until every page has its event; record the latency."""
        seq = self.last_seq + 1
        done: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting[seq] = (done, [len(self.pages)])
        sent = time.perf_counter()
        await self.pages[member].connection.send(json.dumps({"action": action}))
        arrived = await asyncio.wait_for(done, 60)
        del self._waiting[seq]
        self.latencies.append(arrived - sent)
        self.when.append(sent)

    def step(self, rng: random.Random) -> tuple[str, str]:
        """Who does what next, from the facilitator's page."""
        state = self.pages["f"].state
        assert state is not None
        present = {p["id"] for p in state["present"]}
        absent = [m for m in self.pages if m not in present]
        if absent:
            return absent[0], "arrive"
        unconsented = [
            m for m, p in self.pages.items() if not p.state or not p.state["me"]["consented"]
        ]
        if unconsented:
            return unconsented[0], "consent"
        if state["phase"]["id"] == "opening":
            return "f", "advance"
        if state["holder"]:
            return state["holder"]["id"], "end_share"
        if state["next"]:
            return state["next"]["id"], "start_share" if rng.random() < 0.7 else "pass_turn"
        return "f", "advance" if state["phase"]["id"] == "check_in" else "new_round"


async def drive(room: Room, until: float, interval: float, seed: int) -> None:
    rng = random.Random(seed)
    await asyncio.sleep(rng.uniform(0, interval))  # rooms do not all act at once
    while time.perf_counter() < until:
        started = time.perf_counter()
        member, action = room.step(rng)
        await room.act(member, action)
        await asyncio.sleep(max(0.0, interval - (time.perf_counter() - started)))


def start_server(store_url: str, secret: Path, port: int, freeze: float) -> subprocess.Popen[bytes]:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"port {port} is in use: another server is running there")
    command = [sys.executable, "-m", "peersupport.cli", "serve", "--store", store_url,
               "--secret-file", str(secret), "--port", str(port),
               "--gc-freeze-every", str(freeze)]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return server
        time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not start")


def fresh_postgres(url: str) -> str:
    import psycopg

    name = f"ps_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name


async def run(args: argparse.Namespace, store_url: str, workdir: Path) -> dict[str, Any]:
    secret_path = workdir / "secret"
    links = Links(ps.web.load_secret(secret_path))
    store = ps.store.open_store(store_url)
    store.save_group(GROUP_ID, bench_group(args.members))
    circle = ps.formats.get("sharing-circle")
    sids = [f"r{i}" for i in range(args.rooms)]
    for sid in sids:
        ps.live.LiveSession.start(store, sid, GROUP_ID, circle)
    port = args.port
    server = start_server(store_url, secret_path, port, args.gc_freeze_every)
    try:
        rooms: list[Room] = []
        readers = []
        members = ["f", *(f"m{i}" for i in range(1, args.members))]
        for sid in sids:
            room = Room(sid)
            for member in members:
                token = links.token(f"session:{sid}", member)
                url = f"ws://127.0.0.1:{port}/s/{sid}/{token}/ws"
                room.pages[member] = Page(member, await connect(url, max_queue=None), room)
                readers.append(asyncio.create_task(room.pages[member].read()))
            rooms.append(room)
        while any(p.state is None for room in rooms for p in room.pages.values()):
            await asyncio.sleep(0.05)
        gc.collect()
        gc.freeze()  # the set-up's objects are never collected: no long pauses while measuring
        began = time.perf_counter()
        until = began + args.seconds
        await asyncio.gather(
            *(drive(room, until, args.interval, i) for i, room in enumerate(rooms))
        )
        elapsed = time.perf_counter() - began
        await asyncio.sleep(0.5)
        for room in rooms:
            for page in room.pages.values():
                await page.connection.close()
        await asyncio.gather(*readers, return_exceptions=True)
    finally:
        server.terminate()
        server.wait(30)
    return check(args, store, rooms, elapsed)


def check(
    args: argparse.Namespace, store: ps.store.Store, rooms: list[Room], elapsed: float
) -> dict[str, Any]:
    lost = reordered = mismatched = 0
    for room in rooms:
        stored = store.events(room.sid)
        expected = list(range(1, len(stored)))
        for page in room.pages.values():
            lost += len(set(expected) - set(page.order))
            reordered += page.order != sorted(page.order) or len(page.order) != len(set(page.order))
        restored = store.restore(room.sid, clock=ps.ManualClock(stored[-1].time))
        shown = room.pages["m1"].state
        again = room_view(
            restored.state, restored.group, restored.format, "m1", now=stored[-1].time
        )
        if shown is not None and shown["share"] and again["share"]:
            shown["share"]["elapsed"] = again["share"]["elapsed"] = 0
        mismatched += shown != again
    pairs = sorted((w, x) for room in rooms for w, x in zip(room.when, room.latencies, strict=True))
    worst: dict[int, float] = {}  # the slowest action sent in each second of the run
    for sent, latency in pairs:
        second = int(sent - pairs[0][0])
        worst[second] = max(worst.get(second, 0.0), latency)
    latencies = sorted(x for room in rooms for x in room.latencies)
    actions = len(latencies)
    q = statistics.quantiles(latencies, n=100)
    return {
        "store": args.store, "rooms": args.rooms, "members": args.members,
        "gc_freeze_every": args.gc_freeze_every,
        "seconds": round(elapsed, 1), "actions": actions,
        "actions_per_s": round(actions / elapsed, 1),
        "p50_ms": round(q[49] * 1000, 1), "p99_ms": round(q[98] * 1000, 1),
        "max_ms": round(latencies[-1] * 1000, 1),
        "seconds_over_100ms": sum(1 for x in worst.values() if x > 0.1),
        "lost": lost, "reordered": reordered, "restore_mismatches": mismatched,
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rooms", type=int, default=200)
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--interval", type=float, default=1.0, help="seconds between a room's actions"
    )
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("PEERSUPPORT_POSTGRES_URL"))
    parser.add_argument("--port", type=int, default=8931)
    parser.add_argument(
        "--gc-freeze-every", type=float, default=10.0, help="the server's option (0: off)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if args.store == "sqlite":
            url = str(workdir / "bench.db")
        elif args.postgres_url:
            url = fresh_postgres(args.postgres_url)
        else:
            parser.error("--store postgres needs --postgres-url or PEERSUPPORT_POSTGRES_URL")
        result = asyncio.run(run(args, url, workdir))
    print(json.dumps(result))
    return 0 if result["lost"] == result["reordered"] == result["restore_mismatches"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
