"""The group's pages: everyone's home (schedule and join), the feedback form, attendance.

Pages (``TOKEN`` is a person's link token, see :mod:`peersupport.web.links`; a
group page takes the token of the scope ``group:GROUP``, a session page that of
``session:SESSION``):

- ``GET /g/GROUP/TOKEN``: a member's home page for their group: its weekly
  meetings, the sessions running now with a Join link to the person's own room
  link, and the ended sessions they attended and have not yet given feedback
  for. A facilitator also starts sessions there (``POST`` with ``format``; on
  the schedule of the group's weekly meeting of that format, if it has one),
  and finds the past sessions' join links, the attendance view and everyone's
  own home link to hand out.
- ``GET /g/GROUP/TOKEN/attendance``: a facilitator's attendance view.
- ``GET /s/SESSION/TOKEN/feedback``: the feedback form, once the session has
  ended, for someone who attended it; ``POST`` sends it (once).

A link of someone not in the group (its newest version; for the feedback form,
the version the session ran under), or an altered link, gets 403. Names are
shown in pages only: URLs carry member ids, and nothing here logs or stores a
name. Store calls run in worker threads.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from jinja2 import Environment
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from peersupport import formats
from peersupport.errors import FeedbackRefused, StoreError
from peersupport.feedback import SCALE
from peersupport.store.base import Store
from peersupport.store.rows import SessionRecord
from peersupport.values import Group
from peersupport.web.groupdata import (
    REASONS,
    attendance_view,
    format_title,
    home_data,
    meeting_view,
    parse_answers,
    when,
    zone_of,
)
from peersupport.web.links import Links

if TYPE_CHECKING:
    from peersupport.web.app import Rooms

__all__ = ["MAX_FORM_BYTES", "GroupPages"]

#: A session as a home page lists it: its record, when it opened, its format's title, a link.
Listed = tuple[SessionRecord, str, str, str]
#: The largest form body a group page reads (a longer one gets 400).
MAX_FORM_BYTES = 16_384


async def _form_body(request: Request) -> bytes | None:
    """The request's body, or ``None`` if it is longer than :data:`MAX_FORM_BYTES`."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    return body


class GroupPages:
    """The pages of a group and of a session's feedback, over one store.

    Args:
        store: Where groups, sessions, events and feedback are kept.
        links: Makes and checks people's link tokens.
        rooms: The live sessions (a facilitator starts new ones here).
        templates: The web room's page templates.
    """

    def __init__(self, store: Store, links: Links, rooms: Rooms, templates: Environment) -> None:
        self.store = store
        self.links = links
        self.rooms = rooms
        self.templates = templates

    def routes(self) -> list[Route]:
        """The pages' routes, named ``home``, ``attendance`` and ``feedback``."""
        return [
            Route("/g/{group}/{token}", self.home, methods=["GET", "POST"], name="home"),
            Route("/g/{group}/{token}/attendance", self.attendance, name="attendance"),
            Route(
                "/s/{session}/{token}/feedback",
                self.feedback,
                methods=["GET", "POST"],
                name="feedback",
            ),
        ]

    def page(self, template: str, status: int = 200, **context: Any) -> Response:
        """A rendered page."""
        html = self.templates.get_template(template).render(**context)
        return HTMLResponse(html, status_code=status)

    def forbidden(self) -> Response:
        """The page of a link that is not valid (403)."""
        return self.page("forbidden.html", 403)

    def _session_url(self, request: Request, route: str, session_id: str, member: str) -> str:
        token = self.links.token(f"session:{session_id}", member)
        return str(request.url_for(route, session=session_id, token=token))

    def _home_url(self, request: Request, group_id: str, member: str) -> str:
        token = self.links.token(f"group:{group_id}", member)
        return str(request.url_for("home", group=group_id, token=token))

    async def _admit(self, request: Request) -> tuple[str, Group] | None:
        """The person a group link lets in, and the group; ``None``: refuse (403)."""
        group_id, token = request.path_params["group"], request.path_params["token"]
        member = self.links.member(f"group:{group_id}", token)
        if member is None:
            return None
        try:
            group = (await asyncio.to_thread(self.store.group, group_id)).group
        except StoreError:
            return None
        return (member, group) if member in group else None

    async def home(self, request: Request) -> Response:
        """A member's home page for the group; a facilitator's ``POST`` starts a session."""
        admitted = await self._admit(request)
        if admitted is None:
            return self.forbidden()
        member, group = admitted
        group_id = request.path_params["group"]
        role = group.role_of(member)
        facilitates = role is not None and role.facilitates
        if request.method == "POST":
            if not facilitates:
                return self.forbidden()
            return await self._start(request, group, member)
        records, running, unanswered = await asyncio.to_thread(
            home_data, self.store, group_id, member
        )
        zone = zone_of(group)

        def listed(shown: list[SessionRecord], route: str) -> list[Listed]:
            """Each session with when it opened, its format's title and the person's link."""
            return [
                (
                    r,
                    when(r.opened_at, zone),
                    format_title(r.format),
                    self._session_url(request, route, r.session_id, member),
                )
                for r in shown
            ]

        context: dict[str, Any] = {
            "group": group,
            "me": group.member(member),
            "meetings": [meeting_view(m) for m in group.meetings],
            "running": listed(running, "room"),
            "unanswered": listed(unanswered, "feedback"),
            "facilitates": facilitates,
        }
        if facilitates:
            context |= {
                "formats": formats.names(),
                "sessions": listed(records[::-1], "links"),
                "attendance": request.url_for("attendance", **request.path_params),
                "people": [
                    (m, group.role_of(m.id), self._home_url(request, group_id, m.id))
                    for m in group.members
                ],
            }
        return self.page("group.html", **context)

    async def _start(self, request: Request, group: Group, member: str) -> Response:
        """Start a session of the chosen format; redirect to its join links."""
        body = await _form_body(request)
        if body is None:
            return PlainTextResponse("the form is too long", status_code=400)
        form = parse_qs(body.decode("utf-8", "replace"))
        chosen = (form.get("format") or [group.default_format])[0]
        if chosen not in formats.names():
            return PlainTextResponse(f"unknown format {chosen!r}", status_code=400)
        session_id = await self.rooms.create(
            request.path_params["group"], chosen, meetings=group.meetings
        )
        url = self._session_url(request, "links", session_id, member)
        return RedirectResponse(url, status_code=303)

    async def attendance(self, request: Request) -> Response:
        """A facilitator's attendance view of the group."""
        admitted = await self._admit(request)
        if admitted is None:
            return self.forbidden()
        member, group = admitted
        role = group.role_of(member)
        if role is None or not role.facilitates:
            return self.forbidden()
        view = await asyncio.to_thread(attendance_view, self.store, request.path_params["group"])
        home = request.url_for("home", **request.path_params)
        return self.page("attendance.html", home=home, **view)

    def _groups(self, session_id: str) -> tuple[SessionRecord, Group, Group]:
        """The session's record, the group version it ran under, and the newest version."""
        record = self.store.session(session_id)
        ran = self.store.group(record.group_id, record.group_version).group
        return record, ran, self.store.group(record.group_id).group

    async def feedback(self, request: Request) -> Response:
        """The session's feedback form (``GET``), or an answer to it (``POST``)."""
        session_id, token = request.path_params["session"], request.path_params["token"]
        member = self.links.member(f"session:{session_id}", token)
        if member is None:
            return self.forbidden()
        try:
            record, group, newest = await asyncio.to_thread(self._groups, session_id)
        except StoreError:
            return self.forbidden()
        if member not in group:
            return self.forbidden()
        home = self._home_url(request, record.group_id, member) if member in newest else None
        context: dict[str, Any] = {
            "group": group,
            "home": home,
            "when": when(record.opened_at, zone_of(newest)),
            "format": format_title(record.format),
        }
        if request.method == "POST":
            return await self._answer(request, record, group, member, context)
        rule = await asyncio.to_thread(self.store.feedback_refusal, record.session_id, member)
        if rule is not None:
            return self.page("feedback_done.html", 409, reason=REASONS[rule], **context)
        return self.page("feedback.html", form=group.feedback, scale=SCALE, **context)

    async def _answer(
        self,
        request: Request,
        record: SessionRecord,
        group: Group,
        member: str,
        context: dict[str, Any],
    ) -> Response:
        """Store a posted form; thank the person, or say why it was not taken."""
        body = await _form_body(request)
        try:
            if body is None:
                raise ValueError("The form is too long; please answer it again.")
            answers = parse_answers(body, group.feedback)
        except ValueError as exc:
            return self.page("feedback_done.html", 400, reason=str(exc), posted=True, **context)
        try:
            await asyncio.to_thread(self.store.give_feedback, record.session_id, member, answers)
        except FeedbackRefused as refused:
            status = 400 if refused.rule == "feedback-form" else 409
            reason = REASONS.get(refused.rule, REASONS["feedback-form"])
            return self.page("feedback_done.html", status, reason=reason, posted=True, **context)
        k = group.feedback.min_answers
        return self.page("feedback_done.html", thanks=True, k=k, **context)
