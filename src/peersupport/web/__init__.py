"""The web meeting room (the ``web`` extra): ``peersupport serve``.

A facilitator starts a session for a group and gets one join link per member.
Every member also has their own home page of the group (its weekly meetings, a
Join link into a session running now, the feedback form after a session) and
facilitators an attendance view (see :mod:`peersupport.web.app` for the pages).
Each person's page shows who holds the floor, whose turn is next, the round,
the share timer with its warning and overtime, who has not had a turn yet, the
queue of raised hands and the pending points of process, the agreement, the
meeting's time if it has a scheduled end, who listens this session, the agenda
items proposed, a notice while a second facilitator is missing, why the session
is paused, the proposals to amend the agreement with the group's decision rule,
and the buttons their role allows (listening, proposing an agenda item or a
change to the agreement; a facilitator's pause, resume and end with a reason
code, skipping to a later phase, recording the group's decision on a proposal or
withdrawing it, and referrals, which only facilitators see); the engine judges
every press and a refusal shows the library's own message. Pages are
server-rendered HTML with one small script; nothing is loaded from another host.

:func:`create_app` builds the Starlette app over a store; :class:`Links` makes
join links; :func:`room_view` is what a person's page renders.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from peersupport.web.app import Rooms, create_app, perform
    from peersupport.web.links import Links, load_secret
    from peersupport.web.view import phase_diagram, room_view

__all__ = ["Links", "Rooms", "create_app", "load_secret", "perform", "phase_diagram", "room_view"]

#: Where each public name lives; imported on first use, so ``peersupport.web.cli``
#: (the ``serve`` command's options) needs no extra.
_HOMES = {
    "Rooms": "app",
    "create_app": "app",
    "perform": "app",
    "Links": "links",
    "load_secret": "links",
    "phase_diagram": "view",
    "room_view": "view",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'peersupport.web' has no attribute {name!r}")
    return getattr(importlib.import_module(f"peersupport.web.{_HOMES[name]}"), name)
