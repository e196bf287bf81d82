"""The room's WebSocket: every update out to the person, their requests in.

:func:`serve_socket` runs one person's connection: it pushes each update of the
live session (the part everyone sees, with the reason of a pause read from the
log, is built and encoded once per update, then each page gets its own part), and
carries out what the person presses through :func:`perform`. Referrals are sent
to facilitators only: no other page hears of one, not even that an update
happened. :func:`collect_garbage` keeps the garbage collector's pauses short while
many rooms are open.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
from collections.abc import Callable
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from peersupport.engine.events import EventKind
from peersupport.engine.format import Format
from peersupport.engine.kinds import POINT_OUTCOMES, REASONS, REFERRALS
from peersupport.errors import PeersupportError
from peersupport.live import LiveSession, Update
from peersupport.values import SETTINGS
from peersupport.web.agreementview import proposals, setting_value
from peersupport.web.meetingview import referrals
from peersupport.web.practiceview import pause_reason
from peersupport.web.view import BUTTONS, Button, personal_view, shared_view

__all__ = ["collect_garbage", "perform", "serve_socket"]

#: What a request names besides its action (see :attr:`~peersupport.web.view.Button.needs`):
#: whether a value will do, and what it must be, for the error a malformed request gets.
_ARGUMENTS: dict[str, tuple[Callable[[object], bool], str]] = {
    "target": (lambda value: isinstance(value, str) and value != "", "a member's id"),
    "position": (
        lambda value: type(value) is int and value >= 0,
        "a place in the queue, a whole number from 0 (its head)",
    ),
    "outcome": (
        lambda value: isinstance(value, str) and value in POINT_OUTCOMES,
        " or ".join(map(repr, POINT_OUTCOMES)),
    ),
    "reason": (
        lambda value: value is None or (isinstance(value, str) and value in REASONS),
        f"none (null) or one of {', '.join(map(repr, REASONS))}",
    ),
    "to": (
        lambda value: isinstance(value, str) and value in REFERRALS,
        f"one of {', '.join(map(repr, REFERRALS))}",
    ),
    "proposal": (
        lambda value: type(value) is int and value >= 1,
        "a proposal's number, a whole number from 1",
    ),
    **{
        count: (lambda value: type(value) is int and value >= 0, "a whole number from 0")
        for count in ("agree", "disagree", "stand_aside")
    },
}
#: What a request names that must be one of the format's: a phase id (to skip to).
_FORMAT_ARGUMENTS: dict[str, tuple[Callable[[object, Format], bool], Callable[[Format], str]]] = {
    "phase": (
        lambda value, fmt: isinstance(value, str) and value in fmt.phases,
        lambda fmt: f"one of the format's phases, {', '.join(map(repr, fmt.phases))}",
    ),
}
#: The arguments passed to the action by keyword (the others go in order).
_KEYWORDS = frozenset({"outcome", "reason", "to", "agree", "disagree", "stand_aside"})
#: Events only facilitators' pages hear of.
_HIDDEN = frozenset({EventKind.REFERRED})


def _arguments(
    action: str, button: Button, message: dict[str, Any], fmt: Format
) -> tuple[list[Any], dict[str, Any]]:
    """The action's arguments from ``message``; ``ValueError`` says which is malformed."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for name in button.needs:
        value = message.get(name)
        if name == "change":
            kwargs.update(_change(action, message))
            continue
        if name in _FORMAT_ARGUMENTS:
            fits_format, says = _FORMAT_ARGUMENTS[name]
            if not fits_format(value, fmt):
                raise ValueError(f"{action} needs {name!r}: {says(fmt)}")
        else:
            fits, what = _ARGUMENTS[name]
            if not fits(value):
                raise ValueError(f"{action} needs {name!r}: {what}")
        if name in _KEYWORDS:
            kwargs[name] = value
        else:
            args.append(value)
    return args, kwargs


def _change(action: str, message: dict[str, Any]) -> dict[str, Any]:
    """One setting of the agreement and its new value, ``{setting: value}``, from ``message``."""
    setting = message.get("setting")
    if not isinstance(setting, str) or setting not in SETTINGS:
        raise ValueError(f"{action} needs 'setting': one of {', '.join(map(repr, SETTINGS))}")
    fits, value, wanted = setting_value(setting, message.get("value"))
    if not fits or "value" not in message:
        raise ValueError(f"{action} needs 'value': for {setting}, {wanted}")
    return {setting: value}


async def perform(live: LiveSession, member_id: str, message: Any) -> dict[str, Any]:
    """Carry out one person's request from the room; return the reply to send them.

    A request is ``{"action": BUTTON, "id": ...}`` with what the button needs
    (:data:`~peersupport.web.view.BUTTONS`): ``"target"``, ``"position"``,
    ``"outcome"``, ``"reason"`` (a reason code, ``"safety"``, ``"break"``,
    ``"technical"`` or ``"other"``; null or absent: none), ``"to"`` (a kind of
    support, ``"crisis-line"``, ``"professional"``, ``"emergency-services"`` or
    ``"peer-worker"``), ``"phase"`` (one of the format's phase ids),
    ``"setting"`` and ``"value"`` (a setting of the agreement, one of
    ``SETTINGS``, and a value of its kind: see
    :func:`~peersupport.web.agreementview.setting_value`), ``"proposal"`` (a
    proposal's number), ``"agree"``, ``"disagree"`` and ``"stand_aside"`` (whole
    numbers from 0); anything else in it is ignored. The person acts for
    themself, or as facilitator ``by`` themself: their id comes from their link,
    never from the message. A malformed request is answered with what is wrong,
    and asks nothing of the session; a refusal is the library's own message.
    """
    if not isinstance(message, dict) or not isinstance(message.get("action"), str):
        return {"type": "reply", "ok": False, "error": "a request names an action"}
    action = message["action"]
    reply: dict[str, Any] = {"type": "reply", "id": message.get("id"), "action": action}
    button = BUTTONS.get(action)
    if button is None:
        return {**reply, "ok": False, "error": f"there is no action {action!r} in the room"}
    try:
        args, kwargs = _arguments(action, button, message, live.session.format)
    except ValueError as exc:
        return {**reply, "ok": False, "error": str(exc)}
    try:
        if button.who == "member":
            await live.request(button.action, member_id, *args, **kwargs)
        else:
            await live.request(button.action, *args, by=member_id, **kwargs)
    except (PeersupportError, ValueError, TypeError) as exc:
        return {**reply, "ok": False, "error": str(exc)}
    except RuntimeError:  # the owner stopped (the server is stopping, or the store failed)
        return {**reply, "ok": False, "error": "the room is restarting; try again in a moment"}
    return {**reply, "ok": True}


async def collect_garbage(freeze_every: float | None, unfreeze_every: float = 600.0) -> None:
    """Keep the garbage collector's pauses short while many rooms are open.

    Every open connection and every session's log is a few hundred long-lived
    objects, and Python's full collections walk all of them: with 200 rooms of 10
    members, that stopped the server for up to 0.4 s at a time (docs/performance.md).
    Objects that have lived ``freeze_every`` seconds are frozen (``gc.freeze``), so
    full collections see only newer ones. Every ``unfreeze_every`` seconds
    everything is unfrozen and collected once, so that cycles among objects that
    died while frozen are freed: a longer pause, but ten minutes apart.
    """
    if freeze_every is None:
        return
    since_unfreeze = 0.0
    while True:
        await asyncio.sleep(freeze_every)
        since_unfreeze += freeze_every
        if since_unfreeze >= unfreeze_every:
            since_unfreeze = 0.0
            gc.unfreeze()
            gc.collect()
        gc.freeze()


async def serve_socket(websocket: WebSocket, live: LiveSession, member: str) -> None:
    """Push every update to the person; carry out their requests; until they go."""
    sending = asyncio.Lock()
    subscription = live.subscribe()

    async def send(text: str) -> None:
        async with sending:
            await websocket.send_text(text)

    async def push() -> None:
        async for update in subscription:
            message = _state_message(live, member, update)
            if message is not None:
                await send(message)
        await websocket.close(code=1013)  # dropped (too slow): the page reconnects

    async def pull() -> None:
        while True:
            message = await websocket.receive_json()
            await send(_encode(await perform(live, member, message)))

    pusher, puller = asyncio.ensure_future(push()), asyncio.ensure_future(pull())
    try:
        await asyncio.wait({pusher, puller}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        subscription.close()
        for task in (pusher, puller):
            task.cancel()
        for task in (pusher, puller):
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await task


_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
#: The shared part of the last few updates' messages, as JSON text, with whether the
#: update holds anything but hidden events and the referrals so far: every page of a
#: room gets the same, so it is built and encoded once per update, not once per page.
_shared: dict[int, tuple[Update, str, bool, list[tuple[str, str]]]] = {}


def _state_message(live: LiveSession, member: str, update: Update) -> str | None:
    """The state message for ``member``'s page; ``None``: nothing they may hear of."""
    session = live.session
    cached = _shared.get(id(update))
    if cached is None or cached[0] is not update:
        if len(_shared) > 256:
            _shared.clear()
        shown = [e for e in update.events if e.kind not in _HIDDEN]
        events = [{"seq": e.seq, "kind": e.kind.value, "member": e.member} for e in shown]
        view = shared_view(
            update.state,
            session.group,
            session.format,
            now=session.clock.now(),
            paused_for=pause_reason(update.state, session.events),
            proposals=proposals(update.state, session.events),
        )
        shared = _encode({"type": "state", "events": events, "state": view})
        visible = bool(shown) or not update.events
        cached = _shared[id(update)] = (update, shared, visible, referrals(session.events))
    state = update.state
    role = state.roles.get(member) or session.group.role_of(member)
    facilitates = role is not None and role.facilitates
    if not (cached[2] or facilitates):
        return None
    personal = _encode(
        personal_view(
            state,
            session.group,
            session.format,
            member,
            now=session.clock.now(),
            referrals=cached[3],
        )
    )
    return f"{cached[1][:-2]},{personal[1:]}}}"
