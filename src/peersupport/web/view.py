"""What a person in the room sees: the session's state as JSON, and the phase diagram.

:func:`room_view` turns a session's state into the JSON the room's script
renders for one person: who holds the floor, whose turn is next, the round, the
share timer with its warning and overtime, who has not had a turn yet, the queue
of raised hands and the pending points of process, the agreement to consent to,
the meeting's time if it has a scheduled end, who is listening, the agenda items
proposed (in a phase that sets the agenda), whether the session waits for a second
facilitator, the reason of a pause, the proposals to amend the agreement with the
group's decision rule (:mod:`peersupport.web.agreementview`), and the buttons that
person's role allows (:data:`BUTTONS`); a facilitator also gets how far behind the
phases to come are, the referrals recorded (:mod:`peersupport.web.meetingview`) and
the phases they may skip to (:mod:`peersupport.web.practiceview`). Names come from
the group (the room is the app, not a log). :func:`phase_diagram` draws the format's
phases as an SVG, each phase a box the script can highlight.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import attrs

from peersupport.engine.floor import FloorState
from peersupport.engine.format import Format
from peersupport.engine.policies import Offer
from peersupport.engine.state import SessionState, SessionStatus
from peersupport.values import Group, Role
from peersupport.web.agreementview import Proposal, amendment_buttons, amendments_view
from peersupport.web.meetingview import behind, referral_view, time_view
from peersupport.web.practiceview import (
    agenda_view,
    listening_view,
    pause_view,
    practice_buttons,
    skip_targets,
    staffing_view,
)

__all__ = [
    "BUTTONS",
    "Button",
    "personal_view",
    "phase_diagram",
    "room_view",
    "shared_view",
]


@attrs.frozen
class Button:
    """One button of the room: who gets it, and what pressing it asks the session.

    Attributes:
        who: ``"member"``: the person acts for themself (``action(me)``);
            ``"facilitator"``: a facilitator acts ``by`` themself
            (``action(*needs, by=me)``).
        action: The :class:`~peersupport.Session` action it requests.
        needs: What the request must name besides the action, in the action's
            order: ``"target"`` (a member's id), ``"position"`` (a place in the
            queue, 0 its head), ``"outcome"`` (how a point of process ends),
            ``"reason"`` (a reason code, or none), ``"to"`` (the kind of support a
            member is referred to), ``"phase"`` (a phase id of the format),
            ``"change"`` (a setting of the agreement and its new value: the
            request's ``setting`` and ``value``, passed as ``setting=value``),
            ``"proposal"`` (a proposal's number), ``"agree"``, ``"disagree"``,
            ``"stand_aside"`` (how many, whole numbers from 0).
    """

    who: Literal["member", "facilitator"]
    action: str
    needs: tuple[str, ...] = ()


def _own(action: str) -> Button:
    return Button("member", action)


def _run(action: str, *needs: str) -> Button:
    return Button("facilitator", action, needs)


#: Every button of the room, in the order pages show them: the one table that the
#: view (who sees which) and the socket (what a press does) both read.
BUTTONS: Mapping[str, Button] = {
    "arrive": _own("arrive"),
    "consent": _own("consent"),
    "start_share": _own("start_share"),
    "end_share": _own("end_share"),
    "pass_turn": _own("pass_turn"),
    "raise_hand": _own("raise_hand"),
    "lower_hand": _own("lower_hand"),
    "interject": _own("interject"),
    "raise_point": _own("raise_point"),
    "leave": _own("leave"),
    "listen": _own("listen"),
    "propose_item": _own("propose_item"),
    "propose_amendment": Button("member", "propose_amendment", ("change",)),
    "advance": _run("advance"),
    "new_round": _run("new_round"),
    "close_round": _run("close_round"),
    "skip": _run("skip", "target"),
    "call_on": _run("call_on", "target"),
    "end_share_for": _run("end_share", "target"),
    "lower_hand_for": _run("lower_hand", "target"),
    "move_hand": _run("move_hand", "target", "position"),
    "clear_hands": _run("clear_hands"),
    "acknowledge_point": _run("acknowledge_point", "target"),
    "resolve_point": _run("resolve_point", "target", "outcome"),
    "pause": _run("pause", "reason"),
    "resume": _run("resume", "reason"),
    "end": _run("end", "reason"),
    "refer": _run("refer", "target", "to"),
    "listen_for": _run("listen", "target"),
    "skip_to": _run("skip_to", "phase"),
    "decide_amendment": _run("decide_amendment", "proposal", "agree", "disagree", "stand_aside"),
    "withdraw_amendment": _run("withdraw_amendment", "proposal"),
}
_ORDER = {name: index for index, name in enumerate(BUTTONS)}


def _name(group: Group, member_id: str | None) -> str | None:
    if member_id is None:
        return None
    return group.member(member_id).name if member_id in group else member_id


def _has_queue(fmt: Format, state: SessionState) -> bool:
    """Whether the current phase has a queue of raised hands."""
    return fmt.phases[state.phase].policy.offers is Offer.QUEUE


def _up_next(floor: FloorState) -> str | None:
    """Whom the floor goes to next in a queue phase (after the holder, if any)."""
    if floor.holder is None:
        return floor.offered_to
    return None if floor.points or not floor.hands else floor.hands[0]


def _buttons(state: SessionState, fmt: Format, member_id: str, role: Role | None) -> list[str]:
    """The buttons this person may press now (the engine still judges every press)."""
    if state.status is SessionStatus.ENDED or role is None:
        return []
    if member_id not in state.present:
        return ["arrive"]
    shown = ["leave"]
    floor = state.floor
    if member_id not in floor.points:
        shown.append("raise_point")  # in any phase, paused or not
    if state.consents.get(member_id) != state.agreement.version:
        shown.append("consent")
    phase = fmt.phases[state.phase]
    queue = _has_queue(fmt, state)
    listens = member_id in state.listening  # every right but taking the floor
    if state.status is SessionStatus.OPEN and role in phase.eligible and "consent" not in shown:
        if floor.holder == member_id:
            shown.append("end_share")
        elif floor.holder is not None:
            shown += [] if listens else ["interject"]  # cross-talk: refused where not allowed
        else:  # the engine judges whose turn it is, and says why not
            shown += ["pass_turn"] if listens else ["start_share", "pass_turn"]
        if queue and floor.holder != member_id and (member_id in floor.hands or not listens):
            shown.append("lower_hand" if member_id in floor.hands else "raise_hand")
    if role.takes_turns:  # observers never take the floor, nor propose
        if not (role.facilitates or listens or floor.holder == member_id):
            shown.append("listen")  # a facilitator asks others (listen_for)
        if phase.agenda and state.status is SessionStatus.OPEN:
            shown.append("propose_item")
    if role.facilitates:
        shown += _facilitator_buttons(state, phase.rounds, queue, member_id)
        shown += practice_buttons(state, fmt, member_id)
    shown += amendment_buttons(state, role, member_id)
    return sorted(set(shown), key=_ORDER.__getitem__)


def _facilitator_buttons(
    state: SessionState, rounds: bool, queue: bool, member_id: str
) -> list[str]:
    floor = state.floor
    shown = []
    if state.status is SessionStatus.PAUSED:  # the queue is frozen; points are taken
        shown.append("resume")
    else:
        shown += ["advance", "pause", "end", "call_on"]
        if rounds:
            shown += ["new_round", "close_round", "skip"]
        if floor.holder is not None and floor.holder != member_id:
            shown.append("end_share_for")
        if queue and floor.hands:
            shown += ["lower_hand_for", "clear_hands"]
            if len(floor.hands) > 1:
                shown.append("move_hand")
    if len(floor.acknowledged) < len(floor.points):
        shown.append("acknowledge_point")
    if floor.acknowledged:
        shown.append("resolve_point")
    if any(m != member_id for m in state.roles):  # anyone who has been here, paused or not
        shown.append("refer")
    return shown


def shared_view(
    state: SessionState,
    group: Group,
    fmt: Format,
    *,
    now: float,
    paused_for: str | None = None,
    proposals: Mapping[int, Proposal] | None = None,
) -> dict[str, Any]:
    """The part of the room everyone sees alike (see :func:`room_view`).

    ``paused_for``: the reason code of the pause the session is in, if any (the
    state does not carry it: see :func:`~peersupport.web.practiceview.pause_reason`);
    ``proposals``: what the log says of the proposals to amend the agreement
    (:func:`~peersupport.web.agreementview.proposals`).
    """
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
    up_next = _up_next(floor)
    # Without rounds, a turn is a share in this phase (passes are not kept there).
    had_turn = floor.had_turn if phase.rounds else {m for m, n in state.phase_shares.items() if n}
    listening = set(state.listening)  # they do not take the floor this session
    return {
        "group": group.name,
        "format": fmt.name,
        "status": state.status.value,
        "phase": {
            "id": state.phase,
            "name": phase.name,
            "rounds": phase.rounds,
            "queue": _has_queue(fmt, state),
        },
        "round": state.round,
        "holder": floor.holder and {"id": floor.holder, "name": _name(group, floor.holder)},
        "next": upcoming and {"id": upcoming, "name": _name(group, upcoming)},
        "share": share,
        "waiting": [
            {"id": m, "name": _name(group, m)}
            for m in (floor.order if phase.rounds else takers)
            if m in state.present and m not in had_turn and m != floor.holder and m not in listening
        ],
        "hands": [{"id": m, "name": _name(group, m), "next": m == up_next} for m in floor.hands],
        "points": [
            {"id": m, "name": _name(group, m), "acknowledged": m in floor.acknowledged}
            for m in floor.points
        ],
        "present": [
            {
                "id": m,
                "name": _name(group, m),
                "role": (state.roles.get(m) or group.role_of(m) or Role.MEMBER).value,
                "shares": state.phase_shares.get(m, 0),
                "passed": m in floor.passed,
                "listening": m in listening,
            }
            for m in state.present
        ],
        "agreement": {
            "version": state.agreement.version,
            "guidelines": list(state.agreement.guidelines),
        },
        "time": time_view(state, fmt, now),
        "listening": listening_view(state, group),
        "agenda": agenda_view(state, group, fmt),
        "staffing": staffing_view(state, group, fmt),
        "pause": pause_view(paused_for) if state.status is SessionStatus.PAUSED else None,
        "amendments": amendments_view(state, group, proposals or {}),
    }


def personal_view(
    state: SessionState,
    group: Group,
    fmt: Format,
    member_id: str,
    *,
    now: float | None = None,
    referrals: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """The part of the room only ``member_id`` sees: who they are, their buttons.

    A facilitator's also has ``facilitation``: how far behind the phases still to
    come are (``behind``, seconds, ``None`` without a schedule; at ``now``, by
    default the state's time), who may be referred and the ``referrals``
    recorded (``(member, kind)`` pairs), and the phases they may skip to
    (``skip_to``). Everyone else's has ``None`` there: a referral is shown to
    facilitators only.
    """
    role = state.roles.get(member_id) or group.role_of(member_id)
    facilitation = None
    if role is not None and role.facilitates:
        at = state.time if now is None else now
        facilitation = {
            "behind": behind(state, fmt, at),
            **referral_view(state, group, referrals, member_id),
            "skip_to": skip_targets(fmt, state.phase),
        }
    return {
        "me": {
            "id": member_id,
            "name": _name(group, member_id),
            "role": role.value if role else None,
            "present": member_id in state.present,
            "consented": state.consents.get(member_id) == state.agreement.version,
        },
        "buttons": _buttons(state, fmt, member_id, role),
        "facilitation": facilitation,
    }


def room_view(
    state: SessionState,
    group: Group,
    fmt: Format,
    member_id: str,
    *,
    now: float,
    referrals: Sequence[tuple[str, str]] = (),
    paused_for: str | None = None,
    proposals: Mapping[int, Proposal] | None = None,
) -> dict[str, Any]:
    """The room as ``member_id`` sees it, as a JSON-ready dict.

    It is :func:`shared_view` (the same for everyone) with :func:`personal_view`.

    Args:
        state: The session's state.
        group: Its group (for names and roles).
        fmt: Its format.
        member_id: Who is looking.
        now: The session clock's time, for the share timer and the meeting's time.
        referrals: The referrals recorded, ``(member, kind)`` (see
            :func:`~peersupport.web.meetingview.referrals`): shown to facilitators only.
        paused_for: The reason code of the pause the session is in, if any.
        proposals: What the log says of the proposals to amend the agreement (see
            :func:`~peersupport.web.agreementview.proposals`).
    """
    return {
        **shared_view(state, group, fmt, now=now, paused_for=paused_for, proposals=proposals),
        **personal_view(state, group, fmt, member_id, now=now, referrals=referrals),
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
