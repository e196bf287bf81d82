"""Snapshots of a session: its status, its next deadline, its state, and a hook's view.

These are immutable values: read them from :attr:`peersupport.Session.state`
and :meth:`peersupport.Session.next_deadline`; lifecycle hooks receive a
:class:`SessionView`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence

import attrs

from peersupport.engine.events import Event
from peersupport.engine.floor import FloorState
from peersupport.engine.format import Format, PhaseSpec
from peersupport.values import Agreement, Group, Role

__all__ = ["Deadline", "SessionState", "SessionStatus", "SessionView"]


class SessionStatus(enum.StrEnum):
    """Whether a session is running, paused (e.g. a safety break) or ended.

    A log that stops before an ``ended`` event restores as ``open`` (or
    ``paused``): the session was not finished, or the log was cut.
    """

    OPEN = "open"
    PAUSED = "paused"
    ENDED = "ended"


@attrs.frozen
class Deadline:
    """The next moment the session needs attention.

    Attributes:
        at: Clock time in seconds when it falls due.
        kind: ``"time-warning"``, ``"share-limit"``, ``"phase-budget"``, or for a
            session with a scheduled end ``"time-to-close"`` or ``"meeting-end"``.
        member: The member sharing, for share deadlines.
    """

    at: float
    kind: str
    member: str | None = None


@attrs.frozen
class SessionState:
    """An immutable snapshot of a session.

    Two sessions with the same events have equal states (a restored one and the
    live one included); nothing here depends on the clock object.

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
        phase_time_up: Whether the current phase has used up its budget.
        paused_at: When the session was paused, while it is.
        time: Time of the last event.
        shares: Shares per member in sharing phases.
        passes: Passes per member.
        speaking_time: Seconds of shares per member in sharing phases.
        overtime: Seconds over the share limit per member.
        not_reached: Per member, rounds the facilitator closed before their turn.
        cross_talk_blocked: Number of blocked cross-talk attempts.
        interjections: Number of allowed interjections (cross-talk phases).
        phase_shares: Shares per member in the current phase.
        phase_speaking_time: Seconds of shares per member in the current phase.
        phase_budget: The current phase's budget in force: the format's, or shorter
            when the meeting runs late (see :meth:`peersupport.Session.time_plan`).
        ends_at: The meeting's scheduled end, if the session knows it.
        time_to_close: Whether the time-to-close notice was given.
        overran: Whether the meeting ran past its scheduled end.
        listening: Members listening this session, in the order they began.
        agenda_items: Agenda items proposed, per member (what they are is not recorded).
        amendments: Each proposal to amend the agreement made in the session, by its
            number, with its status: ``open``, ``accepted``, ``rejected`` or ``withdrawn``.
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
    phase_time_up: bool
    paused_at: float | None
    time: float
    shares: Mapping[str, int]
    passes: Mapping[str, int]
    speaking_time: Mapping[str, float]
    overtime: Mapping[str, float]
    not_reached: Mapping[str, int]
    cross_talk_blocked: int
    interjections: int
    phase_shares: Mapping[str, int]
    phase_speaking_time: Mapping[str, float]
    phase_budget: float | None = None
    ends_at: float | None = None
    time_to_close: bool = False
    overran: bool = False
    listening: tuple[str, ...] = ()
    agenda_items: Mapping[str, int] = attrs.field(factory=dict)
    amendments: Mapping[int, str] = attrs.field(factory=dict)


@attrs.frozen
class SessionView:
    """A session as a lifecycle hook sees it: read-only, as it was right after one event.

    Hooks never receive the live :class:`~peersupport.Session`: an action called
    on it from inside a hook is refused (:class:`~peersupport.errors.SessionBusy`).

    Attributes:
        group: The group.
        format: The format.
        state: The state right after the event.
        events: The log up to and including the event (a read-only view).
    """

    group: Group
    format: Format
    state: SessionState
    events: Sequence[Event] = attrs.field(eq=False)

    @property
    def phase(self) -> PhaseSpec:
        """The current phase."""
        return self.format.phases[self.state.phase]

    @property
    def phase_name(self) -> str:
        """Human-readable name of the current phase."""
        return self.phase.name

    @property
    def floor(self) -> FloorState:
        """The floor (a snapshot)."""
        return self.state.floor

    @property
    def agreement(self) -> Agreement:
        """The agreement in force."""
        return self.state.agreement

    @property
    def status(self) -> SessionStatus:
        """Whether the session is open, paused or ended."""
        return self.state.status

    @property
    def present(self) -> tuple[str, ...]:
        """Ids of the members present, in seat order."""
        return self.state.present

    def role_of(self, member_id: str) -> Role | None:
        """The role of ``member_id`` in this session (visitor role) or the group."""
        role = self.state.roles.get(member_id)
        return self.group.role_of(member_id) if role is None else role

    def offered_to(self) -> str | None:
        """Whose turn it is, when the phase's policy offers the floor to one member."""
        return self.state.floor.offered_to
