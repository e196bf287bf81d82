"""The practice of particular groups in the room: what the pages show of it.

- **Listening.** A member listens for the rest of the session (they chose, or a
  facilitator asked them: :meth:`peersupport.Session.listen`): every page marks
  them "listening" (:func:`listening_view`).
- **Agenda items.** In a phase that sets the agenda (SMART Recovery's "Agenda
  setting"), every page shows how many items each member proposed, never what
  they are (:func:`agenda_view`).
- **Skipping.** A facilitator skips to a later phase past at least one phase
  (:meth:`peersupport.Session.skip_to`): :func:`skip_targets` are the phases the
  chart reaches from the current one that are not its direct successors.
- **Two facilitators.** A format run by two facilitators moves on and gives the
  floor only while both are present: :func:`staffing_view` is the notice every
  page shows while fewer are.
- **The reason of a pause.** The state does not carry it: :func:`pause_reason`
  reads it from the last ``paused`` event, and :func:`pause_view` is what the
  pages show of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from peersupport.engine.events import Event, EventKind
from peersupport.engine.format import Format
from peersupport.engine.practice import reachable
from peersupport.engine.state import SessionState, SessionStatus
from peersupport.values import Group
from peersupport.web.meetingview import REASON_LABELS

__all__ = [
    "agenda_view",
    "listening_view",
    "pause_reason",
    "pause_view",
    "practice_buttons",
    "skip_targets",
    "staffing_view",
]


def _name(group: Group, member: str) -> str:
    return group.member(member).name if member in group else member


def listening_view(state: SessionState, group: Group) -> list[dict[str, str]]:
    """Who listens this session, in the order they began (also those who left since)."""
    return [{"id": m, "name": _name(group, m)} for m in state.listening]


def agenda_view(state: SessionState, group: Group, fmt: Format) -> dict[str, Any] | None:
    """The agenda items proposed so far, per member; ``None`` outside an agenda phase.

    ``items``: each member who proposed, with how many (``count``), in the order
    they first did; ``total``: all of them. What an item is, is never recorded.
    """
    if not fmt.phases[state.phase].agenda:
        return None
    items = [
        {"id": m, "name": _name(group, m), "count": n} for m, n in state.agenda_items.items() if n
    ]
    return {"items": items, "total": sum(item["count"] for item in items)}


def skip_targets(fmt: Format, phase_id: str) -> list[dict[str, str]]:
    """The later phases a facilitator may skip to from ``phase_id``, in the format's order.

    Those the chart reaches from it that are not its direct successors (to those,
    one advances) nor itself (:func:`peersupport.engine.practice.reachable`).
    """
    phases = fmt.phases
    successors = {t.target for t in phases[phase_id].transitions}
    skippable = set(reachable(fmt, phase_id)) - successors - {phase_id}
    return [{"id": p.id, "name": p.name} for p in phases.values() if p.id in skippable]


def practice_buttons(state: SessionState, fmt: Format, member_id: str) -> list[str]:
    """A facilitator's buttons here: ask someone present to listen; skip to a later phase.

    ``listen_for`` while someone present (not the facilitator looking) neither
    listens already nor holds the floor, until the end; ``skip_to`` while the
    session is open and the chart leads somewhere past the next phase.
    """
    shown = []
    listening, holder = set(state.listening), state.floor.holder
    if state.status is not SessionStatus.ENDED and any(
        m != member_id and m != holder and m not in listening for m in state.present
    ):
        shown.append("listen_for")
    if state.status is SessionStatus.OPEN and skip_targets(fmt, state.phase):
        shown.append("skip_to")
    return shown


def staffing_view(state: SessionState, group: Group, fmt: Format) -> dict[str, int] | None:
    """While a format run by several facilitators lacks some: how many it needs, how many are here.

    ``None`` when enough are present, when one will do, or once the session ended.
    """
    needed = fmt.facilitators
    if needed <= 1 or state.status is SessionStatus.ENDED:
        return None
    roles = [state.roles.get(m) or group.role_of(m) for m in state.present]
    here = sum(1 for role in roles if role is not None and role.facilitates)
    return None if here >= needed else {"needed": needed, "present": here}


def pause_reason(state: SessionState, events: Sequence[Event]) -> str | None:
    """The reason code of the pause the session is in; ``None``: not paused, or no reason.

    From the last ``paused`` event: while paused only a few events follow it, so
    the search from the end of the log is short (none is made when not paused).
    """
    if state.status is not SessionStatus.PAUSED:
        return None
    for event in reversed(events):
        if event.kind is EventKind.PAUSED:
            reason = event.data.get("reason")
            return reason if isinstance(reason, str) else None
    return None


def pause_view(reason: str | None) -> dict[str, str] | None:
    """The pause's reason as the pages show it: its code and label; ``None``: none given."""
    if reason is None:
        return None
    return {"reason": reason, "label": REASON_LABELS.get(reason, reason)}
