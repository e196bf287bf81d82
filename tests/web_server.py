"""A real room server for the tests: uvicorn on a free loopback port, in a thread.

uvicorn and the room are imported when a server starts, so test modules can import
this one without the ``web`` extra (their tests are skipped by marker then).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import peersupport as ps

SECRET = b"the tests' own secret room key!!"


def free_port() -> int:
    """A TCP port nobody listens on, on 127.0.0.1."""
    with socket.socket() as probe:
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
