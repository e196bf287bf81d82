"""A real room server for the tests: uvicorn on a free loopback port, in a thread.

Also a person's page as a WebSocket client (:func:`socket`, :func:`ask`,
:func:`state_after`). uvicorn, websockets and the room are imported when they are
used, so test modules can import this one without the ``web`` extra (their tests
are skipped by marker then). A page watched from its first message on
(:func:`watch`, :func:`state_where`), and the state a room page renders first
(:func:`initial`).
A session served from a new store, and what it stored (:func:`serve_session`,
:func:`stored_kinds`).
"""

from __future__ import annotations

import json
import re
import socket as sockets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import peersupport as ps

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from websockets.sync.client import ClientConnection

SECRET = b"the tests' own secret room key!!"


def free_port() -> int:
    """A TCP port nobody listens on, on 127.0.0.1."""
    with sockets.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def room_server(
    store: ps.store.Store,
    port: int | None = None,
    *,
    poll: float | None = None,
    freeze_every: float | None = 10.0,
) -> Iterator[str]:
    """Serve the room over ``store`` until the block ends; yield its base URL."""
    import uvicorn

    from peersupport.web import Rooms, create_app

    port = port or free_port()
    app = create_app(store, secret=SECRET, rooms=Rooms(store, poll=poll), freeze_every=freeze_every)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the room server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(20)


def room(base: str, sid: str, member: str) -> str:
    """The room URL of ``member`` in session ``sid``."""
    from peersupport.web import Links

    return f"{base}/s/{sid}/{Links(SECRET).token(f'session:{sid}', member)}"


@contextmanager
def socket(base: str, sid: str, member: str) -> Iterator[ClientConnection]:
    """A member's live connection to the room, its first state message read."""
    from websockets.sync.client import connect

    with connect(room(base, sid, member).replace("http://", "ws://") + "/ws") as connection:
        first = receive(connection)
        assert first["type"] == "state"
        yield connection


def receive(connection: ClientConnection) -> dict[str, Any]:
    """The next message from the server."""
    return json.loads(connection.recv(timeout=10))


def request(connection: ClientConnection, message: dict[str, Any]) -> dict[str, Any]:
    """Send a request as it is; return the server's reply (state messages before it are skipped)."""
    connection.send(json.dumps(message))
    while True:
        answer = receive(connection)
        if answer["type"] == "reply":
            return answer


def ask(
    connection: ClientConnection, action: str, target: str | None = None, **more: Any
) -> dict[str, Any]:
    """Press a button (naming ``target`` and ``more``); return the server's reply."""
    return request(connection, {"id": 1, "action": action, "target": target, **more})


def state_after(connection: ClientConnection, kind: str) -> dict[str, Any]:
    """The state pushed with the next event of ``kind``."""
    while True:
        message = receive(connection)
        if message["type"] == "state" and kind in [e["kind"] for e in message["events"]]:
            return message["state"]


def press(page: Page, label: str) -> None:
    """Click the visible button with this label (its accessible name), in a browser test."""
    page.get_by_role("button", name=label, exact=True).click()


def shows(page: Page, selector: str, text: str) -> None:
    """Wait until ``selector`` on ``page`` shows ``text``, in a browser test."""
    page.wait_for_function(
        "([s, t]) => document.querySelector(s).textContent.includes(t)", arg=[selector, text]
    )


@contextmanager
def watch(base: str, sid: str, member: str) -> Iterator[ClientConnection]:
    """A member's live connection to the room, nothing read yet (not even the first state)."""
    from websockets.sync.client import connect

    with connect(room(base, sid, member).replace("http://", "ws://") + "/ws") as connection:
        yield connection


def state_where(
    connection: ClientConnection, test: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """The first state pushed that passes ``test``."""
    while True:
        message = receive(connection)
        if message["type"] == "state" and test(message["state"]):
            return message["state"]


def initial(page: str) -> dict[str, Any]:
    """The state a room page (its HTML) renders before its socket connects."""
    found = re.search(r'<script id="initial" type="application/json">(.*?)</script>', page, re.S)
    assert found, "not a room page"
    return dict(json.loads(found.group(1)))


@contextmanager
def serve_session(
    path: Path, session: ps.Session, sid: str = "s1", port: int | None = None
) -> Iterator[tuple[str, ps.store.Store]]:
    """A room server over a new store at ``path`` holding ``session`` as ``sid`` of group 'g'.

    Yields the server's base URL and the store (closed when the block ends).
    """
    with ps.store.SqliteStore(path) as store:
        store.save_group("g", session.group)
        store.start_session(sid, "g", session.events)
        with room_server(store, port) as base:
            yield base, store


def stored_kinds(store: ps.store.Store, sid: str = "s1") -> list[ps.EventKind]:
    """The kinds of the events stored for session ``sid``, in order."""
    return [e.kind for e in store.events(sid)]
