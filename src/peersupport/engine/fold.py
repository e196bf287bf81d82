"""State from events: the fold that a live session and a restore both run.

:class:`LiveState` is the mutable state of one session; :meth:`LiveState.apply`
folds one event into it. The fold reads only the events and the format's
compiled tables (a phase's ``rounds``, ``eligible`` roles, ``sharing``): no
turn policy or rule code runs, so restoring rebuilds a session from its
log even after a plugin changed how it checks. Facts that cannot follow each
other (a share ending that nobody holds, someone leaving who is not there, an
event after the end) raise ``ValueError``, which :func:`restore` reports as a
:class:`~peersupport.errors.LogError` naming the line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from peersupport.engine import practicefold, queuefold
from peersupport.engine.events import Event, EventData, EventKind
from peersupport.engine.floor import Floor
from peersupport.engine.format import Format, PhaseSpec
from peersupport.engine.kinds import KINDS
from peersupport.engine.state import SessionStatus
from peersupport.values import FACILITATING, Group, Role

__all__ = ["LiveState"]

_OPEN: Final = SessionStatus.OPEN
_PAUSED: Final = SessionStatus.PAUSED
_ENDED: Final = SessionStatus.ENDED


#: Every attribute of a :class:`LiveState`.
_NAMES: Final = (
    "agreement amendments blocked budget close_notice closing consents ends_at floor format group "
    "interjections listening not_reached overran overtime passes paused_at phase phase_shares "
    "phase_speaking phase_started present items roles shares speaking status time time_up"
)
_SLOTS: Final = tuple(_NAMES.split())


class LiveState:
    """The mutable state of one session (inside the engine; read ``session.state``).

    Attributes are the fold's working copy; only :meth:`apply` changes them.
    """

    __slots__ = _SLOTS

    def __init__(self, group: Group, format: Format) -> None:  # noqa: A002
        self.group = group
        self.format = format
        self.floor = Floor()
        self.phase: PhaseSpec = format.phases[format.initial]
        self.status = _OPEN
        self.present: dict[str, None] = {}
        self.roles: dict[str, Role] = {}
        self.consents: dict[str, int] = {}
        self.agreement = group.agreement
        self.phase_started = 0.0
        self.time_up = False
        self.paused_at: float | None = None
        self.shares: dict[str, int] = {}
        self.passes: dict[str, int] = {}
        self.speaking: dict[str, float] = {}
        self.overtime: dict[str, float] = {}
        self.not_reached: dict[str, int] = {}
        self.phase_shares: dict[str, int] = {}
        self.phase_speaking: dict[str, float] = {}
        self.blocked = 0
        self.interjections = 0
        self.time = -float("inf")
        self.budget: float | None = (
            self.phase.budget
        )  # the phase's, or as the schedule shortened it
        self.ends_at: float | None = None
        self.close_notice = 300.0
        self.closing = False
        self.overran = False
        self.listening: dict[str, None] = {}  # members listening this session
        self.items: dict[str, int] = {}  # agenda items proposed, per member
        self.amendments: dict[int, tuple[str, EventData]] = {}  # status, changes

    def copy_from(self, other: LiveState) -> None:
        """Take over every attribute of ``other`` (a rebuilt state replaces this one in place)."""
        for name in _SLOTS:
            setattr(self, name, getattr(other, name))

    # ------------------------------------------------------------------ reading

    def role_of(self, member_id: str) -> Role | None:
        """The role of ``member_id`` in this session (visitor role) or the group."""
        role = self.roles.get(member_id)
        return self.group.role_of(member_id) if role is None else role

    def offered_to(self) -> str | None:
        """Whom the phase's turn policy offers the floor to now."""
        if self.floor.holder is not None:
            return None
        return self.phase.policy.offered(self.floor)

    def round_order(self) -> list[str]:
        """Eligible members present, starting after the first facilitator (who goes last)."""
        roles, eligible_roles, listening = self.roles, self.phase.eligible, self.listening
        eligible = [m for m in self.present if roles[m] in eligible_roles]
        if listening:
            eligible = [m for m in eligible if m not in listening]
        for index, member in enumerate(eligible):
            if roles[member] in FACILITATING:
                return eligible[index + 1 :] + eligible[: index + 1]
        return eligible

    # ------------------------------------------------------------------ the fold

    def apply(self, e: Event) -> None:
        """Fold ``e`` into the state.

        Raises:
            ValueError: If ``e`` cannot follow the events before it.
        """
        if self.status is _ENDED:
            raise ValueError("the session has ended")
        _seq, time, kind, _actor, member, data = e
        _APPLY[kind](self, time, member, data)
        self.time = time

    def _end_share(self, member: str, data: EventData) -> None:
        floor = self.floor
        if floor.holder != member:
            raise ValueError(f"{member} does not hold the floor")
        if self.phase.sharing:
            duration: float = data["duration"]  # type: ignore[assignment]
            shares, speaking = self.shares, self.speaking
            shares[member] = shares.get(member, 0) + 1
            speaking[member] = speaking.get(member, 0.0) + duration
            shares, speaking = self.phase_shares, self.phase_speaking
            shares[member] = shares.get(member, 0) + 1
            speaking[member] = speaking.get(member, 0.0) + duration
            if "overtime" in data:
                over: float = data["overtime"]  # type: ignore[assignment]
                self.overtime[member] = self.overtime.get(member, 0.0) + over
        floor.holder = None
        floor.warned = floor.over = False

    def _on_opened(self, time: float, member: str | None, data: EventData) -> None:
        # The group's fingerprint, checked before the fold, covers the agreement.
        self.phase = self.format.phases[str(data["phase"])]
        self.phase_started = time
        self.budget = (
            practicefold.budget(self.phase, data) if "budget" in data else self.phase.budget
        )
        if "ends_at" in data:  # a number (the log's schema): after the opening
            if not data["ends_at"] > time:  # type: ignore[operator]
                raise ValueError("the scheduled end must come after the session opened")
            self.ends_at = float(data["ends_at"])  # type: ignore[arg-type]
            self.close_notice = float(data.get("close_notice", 300.0))  # type: ignore[arg-type]
        if self.phase.rounds:
            self.floor.new_round(1, [])

    def _on_arrived(self, time: float, member: str | None, data: EventData) -> None:
        assert member is not None
        if member in self.present:
            raise ValueError(f"{member} is already present")
        role = data.get("role")
        if isinstance(role, str):
            self.roles[member] = Role(role)
        elif member not in self.roles:
            known = self.group.role_of(member)
            if known is None:
                raise ValueError(f"{member} is not in the group and arrived without a role")
            self.roles[member] = known
        self.present[member] = None
        floor = self.floor
        phase = self.phase
        if (
            phase.rounds
            and self.roles[member] in phase.eligible
            and member not in floor.order
            and member not in self.listening  # a listener back from a break stays out
        ):
            floor.order.append(member)

    def _on_left(self, time: float, member: str | None, data: EventData) -> None:
        assert member is not None
        if member not in self.present:
            raise ValueError(f"{member} is not present")
        floor = self.floor
        if floor.holder == member:
            self._end_share(member, data)
        del self.present[member]
        if member in floor.order and member not in floor.had_turn:
            floor.order.remove(member)
        if floor.called == member:
            floor.called = None
        if member in floor.hands:
            floor.hands.remove(member)

    def _on_consented(self, time: float, member: str | None, data: EventData) -> None:
        assert member is not None
        self.consents[member] = self.agreement.version

    def _on_agreement_amended(self, time: float, member: str | None, data: EventData) -> None:
        changes = {k: v for k, v in data.items() if k not in ("version", "proposal")}
        self.agreement = self.agreement.amend(**changes)

    def _on_phase_entered(self, time: float, member: str | None, data: EventData) -> None:
        self.phase = self.format.phases[str(data["phase"])]
        self.phase_started = time
        self.budget = (
            practicefold.budget(self.phase, data) if "budget" in data else self.phase.budget
        )
        self.time_up = False
        self.phase_shares = {}
        self.phase_speaking = {}
        self.floor.last = None
        self.floor.hands = []
        if self.phase.rounds:
            self.floor.new_round(1, self.round_order())
        else:
            self.floor.new_round(0, [])

    def _on_round_started(self, time: float, member: str | None, data: EventData) -> None:
        if not self.phase.rounds:
            raise ValueError(f"there are no rounds in {self.phase.id}")
        number = data["round"]
        assert isinstance(number, int)
        self.floor.new_round(number, self.round_order())

    def _on_round_closed(self, time: float, member: str | None, data: EventData) -> None:
        not_reached = data["not_reached"]
        assert isinstance(not_reached, tuple)
        for missed in not_reached:
            self.not_reached[missed] = self.not_reached.get(missed, 0) + 1
        self.floor.closed = True
        self.floor.called = None  # a closed round offers the floor to nobody

    def _on_turn_skipped(self, time: float, member: str | None, data: EventData) -> None:
        assert member is not None
        floor = self.floor
        floor.had_turn.add(member)
        floor.skipped.add(member)
        if floor.called == member:
            floor.called = None

    def _on_called_on(self, time: float, member: str | None, data: EventData) -> None:
        self.floor.called = member

    def _on_share_started(self, time: float, member: str | None, data: EventData) -> None:
        floor = self.floor
        if floor.holder is not None:
            raise ValueError(f"{floor.holder} holds the floor")
        floor.holder = member
        floor.started = time
        floor.warned = floor.over = False
        floor.called = None
        floor.last = member
        if self.phase.rounds and member is not None:
            floor.had_turn.add(member)
        if member in floor.hands:
            floor.hands.remove(member)

    def _on_share_ended(self, time: float, member: str | None, data: EventData) -> None:
        assert member is not None
        self._end_share(member, data)

    def _on_passed(self, time: float, member: str | None, data: EventData) -> None:
        assert member is not None
        floor = self.floor
        if self.phase.rounds:
            floor.had_turn.add(member)
            floor.passed.add(member)
        floor.called = None
        floor.last = member
        self.passes[member] = self.passes.get(member, 0) + 1
        if member in floor.hands:
            floor.hands.remove(member)

    def _on_interjected(self, time: float, member: str | None, data: EventData) -> None:
        self.interjections += 1

    def _on_cross_talk_blocked(self, time: float, member: str | None, data: EventData) -> None:
        self.blocked += 1

    def _on_time_warning(self, time: float, member: str | None, data: EventData) -> None:
        self.floor.warned = True

    def _on_overtime(self, time: float, member: str | None, data: EventData) -> None:
        self.floor.over = True

    def _on_phase_time_up(self, time: float, member: str | None, data: EventData) -> None:
        self.time_up = True

    def _on_rule_notice(self, time: float, member: str | None, data: EventData) -> None:
        pass

    def _on_paused(self, time: float, member: str | None, data: EventData) -> None:
        practicefold.reason(data)
        if self.status is _PAUSED:
            raise ValueError("the session is already paused")
        self.status = _PAUSED
        self.paused_at = time

    def _on_resumed(self, time: float, member: str | None, data: EventData) -> None:
        practicefold.reason(data)
        if self.paused_at is None:
            raise ValueError("the session is not paused")
        gap = time - self.paused_at
        self.floor.started += gap
        self.phase_started += gap
        self.status = _OPEN
        self.paused_at = None

    def _on_ended(self, time: float, member: str | None, data: EventData) -> None:
        practicefold.reason(data)
        holder = self.floor.holder
        if holder is not None:
            self._end_share(holder, data)
        self.status = _ENDED

    def _on_hand_raised(self, time: float, member: str | None, data: EventData) -> None:
        assert member is not None
        queuefold.hand_raised(self.floor, self.present, member, data)

    def _on_hand_lowered(self, time: float, member: str | None, data: EventData) -> None:
        assert member is not None
        queuefold.hand_lowered(self.floor, member)

    def _on_hand_moved(self, time: float, member: str | None, data: EventData) -> None:
        assert member is not None
        queuefold.hand_moved(self.floor, member, data)

    def _on_hands_cleared(self, time: float, member: str | None, data: EventData) -> None:
        self.floor.hands = []

    def _on_point_raised(self, time: float, member: str | None, data: EventData) -> None:
        assert member is not None
        queuefold.point_raised(self.floor, member)

    def _on_point_acknowledged(self, time: float, member: str | None, data: EventData) -> None:
        assert member is not None
        queuefold.point_acknowledged(self.floor, member)

    def _on_point_resolved(self, time: float, member: str | None, data: EventData) -> None:
        assert member is not None
        queuefold.point_resolved(self.floor, member, data)

    def _on_referred(self, time: float, member: str | None, data: EventData) -> None:
        practicefold.referral(data, member is not None and self.role_of(member) is not None)

    def _on_listening(self, time: float, member: str | None, data: EventData) -> None:
        assert member is not None
        practicefold.listening(self.floor, self.listening, member)

    def _on_item_proposed(self, time: float, member: str | None, data: EventData) -> None:
        assert member is not None
        practicefold.proposed(self.phase, member in self.present, self.items, member)

    def _on_amendment_proposed(self, time: float, member: str | None, data: EventData) -> None:
        practicefold.amendment(self.amendments, data, "proposed")

    def _on_amendment_decided(self, time: float, member: str | None, data: EventData) -> None:
        practicefold.amendment(self.amendments, data, "decided")

    def _on_amendment_withdrawn(self, time: float, member: str | None, data: EventData) -> None:
        practicefold.amendment(self.amendments, data, "withdrawn")

    def _on_time_to_close(self, time: float, member: str | None, data: EventData) -> None:
        if self.ends_at is None or self.closing:
            raise ValueError("time to close: the session has no scheduled end, or was told")
        self.closing = True

    def _on_meeting_overran(self, time: float, member: str | None, data: EventData) -> None:
        if self.ends_at is None:
            raise ValueError("the meeting cannot overrun: the session has no scheduled end")
        if self.overran or time < self.ends_at:
            raise ValueError(
                "the meeting overruns once, at or after its scheduled end"
                + (": it did already" if self.overran else "")
            )
        self.closing = self.overran = True


#: The fold's step for each kind (every kind in :data:`KINDS` has one).
_APPLY: Final[dict[EventKind, Callable[[LiveState, float, str | None, EventData], None]]] = {
    kind: getattr(LiveState, f"_on_{kind.value}") for kind in KINDS
}
