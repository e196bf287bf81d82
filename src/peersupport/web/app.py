"""The web meeting room: a Starlette app over an event store and live sessions.

Pages (``TOKEN`` is a person's join token, see :mod:`peersupport.web.links`):

- ``GET /g/GROUP/TOKEN``: a member's home page for a group: its weekly meetings,
  a Join link to each session running now, and feedback forms to answer; a
  facilitator also starts sessions there (``POST``), finds past sessions' join
  links and hands out everyone's own link to this page.
- ``GET /g/GROUP/TOKEN/attendance``: a facilitator's attendance view: attendance
  and k-anonymous feedback per session, a check-in list, the group's size over
  time, buddy pairings.
- ``GET /s/SESSION/TOKEN/links``: a facilitator's list of everyone's join links.
- ``GET /s/SESSION/TOKEN``: the room, as that person sees it (once the session
  has ended, with a link to the feedback form).
- ``WS /s/SESSION/TOKEN/ws``: the room's live updates and the person's actions.
- ``GET /s/SESSION/TOKEN/feedback``: the feedback form after the session, for
  those who attended; ``POST`` answers it, once.

The group's pages and the feedback form are in :mod:`peersupport.web.grouppages`.

An unknown or altered link gets 403. Every session is owned by one
:class:`~peersupport.live.LiveSession`, started on first use, restored from the
store after a restart. Nothing is loaded from another host.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket

from peersupport import formats
from peersupport.clock import Clock, SystemClock
from peersupport.errors import StoreError
from peersupport.live import LiveSession
from peersupport.meetings import Meeting
from peersupport.store.base import Store
from peersupport.web.agreementview import DECISION_LABELS, SETTING_KINDS, proposals
from peersupport.web.grouppages import GroupPages
from peersupport.web.links import Links
from peersupport.web.meetingview import (
    REASON_LABELS,
    REFERRAL_LABELS,
    referrals,
    scheduled_end,
)
from peersupport.web.practiceview import pause_reason
from peersupport.web.socket import collect_garbage, perform, serve_socket
from peersupport.web.view import phase_diagram, room_view

__all__ = ["Rooms", "create_app", "perform"]

log = logging.getLogger("peersupport.web")

_templates = Environment(
    loader=PackageLoader("peersupport.web", "templates"), autoescape=select_autoescape()
)


class Rooms:
    """The live sessions a server runs, each started on first use.

    Args:
        store: The event store.
        clock: Makes the clock of each session started or restored (``SystemClock``).
        speed: Session seconds per real second (1 with real clocks).
        poll: With several server processes on one store, how often (seconds) each
            session looks for what the others stored (see :class:`LiveSession`).
    """

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], Clock] = SystemClock,
        speed: float = 1.0,
        poll: float | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.speed = speed
        self.poll = poll
        self._live: dict[str, LiveSession] = {}
        self._owners: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()

    async def get(self, session_id: str) -> LiveSession:
        """The live session ``session_id``, restored from the store if need be."""
        async with self._lock:
            live = self._live.get(session_id)
            if live is None:
                live = await asyncio.to_thread(
                    LiveSession.resume,
                    self.store,
                    session_id,
                    clock=self.clock(),
                    speed=self.speed,
                    poll=self.poll,
                )
                self._own(session_id, live)
            return live

    async def create(
        self, group_id: str, format_name: str, *, meetings: Iterable[Meeting] = ()
    ) -> str:
        """Start a new session of a stored group; return its id.

        Args:
            group_id: The stored group that meets (its newest version).
            format_name: The format to run.
            meetings: The group's weekly meetings: if one runs ``format_name``, the
                session ends as scheduled, at the soonest end still to come of such
                a meeting's occurrence nearest to now
                (:func:`~peersupport.web.meetingview.scheduled_end`); none: no schedule.
        """
        session_id = f"s-{secrets.token_hex(6)}"
        fmt, clock, schedule = formats.get(format_name), self.clock(), tuple(meetings)

        def start() -> LiveSession:
            ends_at = scheduled_end(schedule, format_name, clock.now())
            return LiveSession.start(
                self.store,
                session_id,
                group_id,
                fmt,
                clock=clock,
                ends_at=ends_at,
                speed=self.speed,
                poll=self.poll,
            )

        live = await asyncio.to_thread(start)
        async with self._lock:
            self._own(session_id, live)
        return session_id

    def _own(self, session_id: str, live: LiveSession) -> None:
        self._live[session_id] = live
        owner = asyncio.get_running_loop().create_task(live.run(), name=f"room {session_id}")
        self._owners.add(owner)

        def gone(task: asyncio.Task[None]) -> None:
            self._owners.discard(task)
            if self._live.get(session_id) is live:  # it stopped or failed: restore on next use
                del self._live[session_id]
            if not task.cancelled() and task.exception() is not None:
                log.error("room %s stopped: %r", session_id, task.exception())

        owner.add_done_callback(gone)

    async def close(self) -> None:
        """Stop every live session once its pending requests are done."""
        for live in self._live.values():
            live.stop()
        await asyncio.gather(*self._owners, return_exceptions=True)
        self._live.clear()


def create_app(
    store: Store,
    *,
    secret: bytes,
    rooms: Rooms | None = None,
    freeze_every: float | None = 10.0,
) -> Starlette:
    """The room's web app over ``store``; join links are signed with ``secret``.

    Args:
        store: Where groups, sessions and events are kept.
        secret: The key of the join links (keep it across restarts).
        rooms: The live sessions (default: real clocks).
        freeze_every: Seconds between moves of long-lived objects (open
            connections, logs) out of the garbage collector's way, so that its full
            collections stay short (see
            :func:`~peersupport.web.socket.collect_garbage`); ``None``: never.
    """
    links = Links(secret)
    rooms = rooms or Rooms(store)

    def forbidden() -> Response:
        page = _templates.get_template("forbidden.html").render()
        return HTMLResponse(page, status_code=403)

    async def admit(params: Mapping[str, Any]) -> tuple[LiveSession, str] | None:
        """The live session and the person a session link lets in; ``None``: refuse (403)."""
        sid, token = params["session"], params["token"]
        member = links.member(f"session:{sid}", token)
        if member is None:
            return None
        try:
            live = await rooms.get(sid)
        except StoreError:
            return None
        return (live, member) if member in live.session.group else None

    async def links_page(request: Request) -> Response:
        admitted = await admit(request.path_params)
        if admitted is None:
            return forbidden()
        live, member = admitted
        sid, group = live.session_id, live.session.group
        role = group.role_of(member)
        if role is None or not role.facilitates:
            return forbidden()
        people = [
            (
                m,
                group.role_of(m.id),
                request.url_for("room", session=sid, token=links.token(f"session:{sid}", m.id)),
            )
            for m in group.members
        ]
        page = _templates.get_template("links.html").render(
            group=group, session_id=sid, people=people
        )
        return HTMLResponse(page)

    async def room_page(request: Request) -> Response:
        admitted = await admit(request.path_params)
        if admitted is None:
            return forbidden()
        live, member = admitted
        session = live.session
        view = room_view(
            session.state,
            session.group,
            session.format,
            member,
            now=session.clock.now(),
            referrals=referrals(session.events),
            paused_for=pause_reason(session.state, session.events),
            proposals=proposals(session.state, session.events),
        )
        page = _templates.get_template("room.html").render(
            view=view,
            diagram=phase_diagram(session.format),
            socket=request.url_for("socket", **request.path_params).path,
            feedback=request.url_for("feedback", **request.path_params),
            reasons=REASON_LABELS,
            kinds=REFERRAL_LABELS,
            settings=SETTING_KINDS,
            decisions=DECISION_LABELS,
        )
        return HTMLResponse(page)

    async def socket(websocket: WebSocket) -> None:
        admitted = await admit(websocket.path_params)
        if admitted is None:
            await websocket.close(code=1008)  # before accepting: the handshake gets 403
            return
        await websocket.accept()
        await serve_socket(websocket, *admitted)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        collector = asyncio.get_running_loop().create_task(collect_garbage(freeze_every))
        yield
        collector.cancel()
        await rooms.close()

    static = Path(__file__).with_name("static")
    return Starlette(
        routes=[
            Route("/", lambda _r: HTMLResponse(_templates.get_template("index.html").render())),
            *GroupPages(store, links, rooms, _templates).routes(),
            Route("/s/{session}/{token}/links", links_page, name="links"),
            Route("/s/{session}/{token}", room_page, name="room"),
            WebSocketRoute("/s/{session}/{token}/ws", socket, name="socket"),
            Mount("/static", StaticFiles(directory=static), name="static"),
        ],
        lifespan=lifespan,
    )
