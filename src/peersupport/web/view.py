"""What a person in the room sees: the session's state as JSON, and the phase diagram.

:func:`room_view` turns a session's state into the JSON the room's script
renders for one person: who holds the floor, whose turn is next, the round, the
share timer with its warning and overtime, who has not had a turn yet, the
agreement to consent to, and the buttons that person's role allows. Names come
from the group (the room is the app, not a log). :func:`phase_diagram` draws
the format's phases as an SVG, each phase a box the script can highlight.
"""

from __future__ import annotations

import html
from typing import Any

from peersupport.engine.format import Format
from peersupport.engine.state import SessionState, SessionStatus
from peersupport.values import Group, Role

__all__ = ["BUTTONS", "personal_view", "phase_diagram", "room_view", "shared_view"]

#: Every button of the room, by who may see it: the person themself, or a facilitator.
BUTTONS = {
    "member": ("arrive", "consent", "start_share", "end_share", "pass_turn", "interject", "leave"),
    "facilitator": (
        "advance",
        "new_round",
        "close_round",
        "skip",
        "call_on",
        "end_share_for",
        "pause",
        "resume",
        "end",
    ),
}


def _name(group: Group, member_id: str | None) -> str | None:
    if member_id is None:
        return None
    return group.member(member_id).name if member_id in group else member_id


def _buttons(state: SessionState, fmt: Format, member_id: str, role: Role | None) -> list[str]:
    """The buttons this person may press now (the engine still judges every press)."""
    if state.status is SessionStatus.ENDED or role is None:
        return []
    present = member_id in state.present
    if not present:
        return ["arrive"]
    shown = ["leave"]
    if state.consents.get(member_id) != state.agreement.version:
        shown.append("consent")
    phase = fmt.phases[state.phase]
    floor = state.floor
    takes_part = role in phase.eligible and "consent" not in shown
    if state.status is SessionStatus.OPEN and takes_part:
        if floor.holder == member_id:
            shown.append("end_share")
        elif floor.holder is not None:
            shown.append("interject")  # cross-talk: refused and recorded where not allowed
        else:  # the engine judges whose turn it is, and says why not
            shown += ["start_share", "pass_turn"]
    if role.facilitates:
        if state.status is SessionStatus.PAUSED:
            shown.append("resume")
        else:
            shown += ["advance", "pause", "end"]
            if phase.rounds:
                shown += ["new_round", "close_round", "skip"]
            shown.append("call_on")
            if floor.holder is not None and floor.holder != member_id:
                shown.append("end_share_for")
    order = [*BUTTONS["member"], *BUTTONS["facilitator"]]
    return sorted(set(shown), key=order.index)


def shared_view(state: SessionState, group: Group, fmt: Format, *, now: float) -> dict[str, Any]:
    """The part of the room everyone sees alike (see :func:`room_view`)."""
    floor = state.floor
    phase = fmt.phases[state.phase]
    takers = [m for m in state.present if (state.roles.get(m) or group.role_of(m)) != Role.OBSERVER]
    share = None
    if floor.holder is not None and floor.share_started_at is not None:
        warn_at, limit = phase.warn_at, phase.share_limit
        if phase.share_limit is None and phase.timed:
            warn_at, limit = state.agreement.warn_at, state.agreement.share_limit
        until = state.paused_at if state.paused_at is not None else now
        share = {
            "member": floor.holder,
            "name": _name(group, floor.holder),
            "elapsed": max(0.0, until - floor.share_started_at),
            "warn_at": warn_at if phase.timed else None,
            "limit": limit if phase.timed else None,
            "warned": floor.warned,
            "over": floor.over,
        }
    upcoming = floor.offered_to
    return {
        "group": group.name,
        "format": fmt.name,
        "status": state.status.value,
        "phase": {"id": state.phase, "name": phase.name, "rounds": phase.rounds},
        "round": state.round,
        "holder": floor.holder and {"id": floor.holder, "name": _name(group, floor.holder)},
        "next": upcoming and {"id": upcoming, "name": _name(group, upcoming)},
        "share": share,
        "waiting": [
            {"id": m, "name": _name(group, m)}
            for m in (floor.order if phase.rounds else takers)
            if m in state.present and m not in floor.had_turn and m != floor.holder
        ],
        "present": [
            {
                "id": m,
                "name": _name(group, m),
                "role": (state.roles.get(m) or group.role_of(m) or Role.MEMBER).value,
                "shares": state.phase_shares.get(m, 0),
                "passed": m in floor.passed,
            }
            for m in state.present
        ],
        "agreement": {
            "version": state.agreement.version,
            "guidelines": list(state.agreement.guidelines),
        },
    }


def personal_view(state: SessionState, group: Group, fmt: Format, member_id: str) -> dict[str, Any]:
    """The part of the room only ``member_id`` sees: who they are, their buttons."""
    role = state.roles.get(member_id) or group.role_of(member_id)
    return {
        "me": {
            "id": member_id,
            "name": _name(group, member_id),
            "role": role.value if role else None,
            "present": member_id in state.present,
            "consented": state.consents.get(member_id) == state.agreement.version,
        },
        "buttons": _buttons(state, fmt, member_id, role),
    }


def room_view(
    state: SessionState, group: Group, fmt: Format, member_id: str, *, now: float
) -> dict[str, Any]:
    """The room as ``member_id`` sees it, as a JSON-ready dict.

    It is :func:`shared_view` (the same for everyone) with :func:`personal_view`.

    Args:
        state: The session's state.
        group: Its group (for names and roles).
        fmt: Its format.
        member_id: Who is looking.
        now: The session clock's time, for the share timer.
    """
    return {
        **shared_view(state, group, fmt, now=now),
        **personal_view(state, group, fmt, member_id),
    }


def phase_diagram(fmt: Format) -> str:
    """The format's phases as an inline SVG: one box per phase, in order, with arrows.

    Each box is a ``<g>`` with ``data-phase`` set to the phase id, so the room's
    script can mark the current one.
    """
    width, height, gap = 150, 44, 26
    phases = list(fmt.phases.values())
    total = len(phases) * (width + gap) - gap
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="phases" role="img" '
        f'viewBox="0 0 {total} {height + 4}" aria-label="The meeting\'s phases">'
    ]
    for index, phase in enumerate(phases):
        x = index * (width + gap)
        parts.append(
            f'<g class="phase" data-phase="{html.escape(phase.id)}">'
            f'<rect x="{x}" y="2" width="{width}" height="{height}" rx="8"/>'
            f'<text x="{x + width / 2}" y="{2 + height / 2}" dominant-baseline="middle" '
            f'text-anchor="middle">{html.escape(phase.name)}</text></g>'
        )
        if index < len(phases) - 1:
            x0, y = x + width + 3, 2 + height / 2
            parts.append(
                f'<path class="arrow" d="M{x0},{y} h{gap - 8} m-6,-5 l6,5 l-6,5" fill="none"/>'
            )
    parts.append("</svg>")
    return "".join(parts)
