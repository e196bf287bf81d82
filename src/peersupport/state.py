"""Snapshots of a session: its status, its next deadline and its state.

These are immutable values; read them from :attr:`peersupport.Session.state`
and :meth:`peersupport.Session.next_deadline`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

import attrs

from peersupport.floor import FloorState
from peersupport.model import Agreement, Role

__all__ = ["Deadline", "SessionState", "SessionStatus"]


class SessionStatus(enum.StrEnum):
    """Whether a session is running, paused (e.g. a safety break) or ended."""

    OPEN = "open"
    PAUSED = "paused"
    ENDED = "ended"


@attrs.frozen
class Deadline:
    """The next moment the session needs attention.

    Attributes:
        at: Clock time in seconds when it falls due.
        kind: ``"time-warning"``, ``"share-limit"`` or ``"phase-budget"``.
        member: The member sharing, for share deadlines.
    """

    at: float
    kind: str
    member: str | None = None


@attrs.frozen
class SessionState:
    """An immutable snapshot of a session.

    Two sessions with the same events have equal states; nothing here depends
    on the clock object.

    Attributes:
        phase: Id of the current phase.
        round: Number of the current round in this phase (0 without rounds).
        status: Open, paused or ended.
        present: Ids of members present, in seat (arrival) order.
        roles: Role of everyone who arrived, including those who left (and visitors).
        consents: For each member, the agreement version they last consented to.
        agreement: The agreement in force.
        floor: The floor.
        phase_started_at: When the current phase started (shifted by pauses).
        time: Time of the last event.
        shares: Shares per member in sharing phases.
        passes: Passes per member.
        speaking_time: Seconds of shares per member in sharing phases.
        overtime: Seconds over the share limit per member.
        not_reached: Per member, rounds the facilitator closed before their turn.
        cross_talk_blocked: Number of blocked cross-talk attempts.
        interjections: Number of allowed interjections (cross-talk phases).
    """

    phase: str
    round: int
    status: SessionStatus
    present: tuple[str, ...]
    roles: Mapping[str, Role]
    consents: Mapping[str, int]
    agreement: Agreement
    floor: FloorState
    phase_started_at: float
    time: float
    shares: Mapping[str, int]
    passes: Mapping[str, int]
    speaking_time: Mapping[str, float]
    overtime: Mapping[str, float]
    not_reached: Mapping[str, int]
    cross_talk_blocked: int
    interjections: int
