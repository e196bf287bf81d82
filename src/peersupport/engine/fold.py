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
from types import MappingProxyType

from peersupport.engine.events import Event, EventKind
from peersupport.engine.floor import Floor
from peersupport.engine.format import Format, PhaseSpec
from peersupport.engine.kinds import KINDS, K
from peersupport.engine.state import SessionState, SessionStatus
from peersupport.values import FACILITATING, Group, Role

__all__ = ["LiveState"]

_K = K
_OPEN = SessionStatus.OPEN
_PAUSED = SessionStatus.PAUSED
_ENDED = SessionStatus.ENDED


#: Every attribute of a :class:`LiveState`.
_SLOTS = (
    "agreement",
    "blocked",
    "consents",
    "floor",
    "format",
    "group",
    "interjections",
    "not_reached",
    "overtime",
    "passes",
    "paused_at",
    "phase",
    "phase_shares",
    "phase_speaking",
    "phase_started",
    "present",
    "roles",
    "shares",
    "speaking",
    "status",
    "time",
    "time_up",
)


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
        roles, eligible_roles = self.roles, self.phase.eligible
        eligible = [m for m in self.present if roles[m] in eligible_roles]
        for index, member in enumerate(eligible):
            if roles[member] in FACILITATING:
                return eligible[index + 1 :] + eligible[: index + 1]
        return eligible

    def snapshot(self) -> SessionState:
        """An immutable :class:`SessionState` of this state."""
        floor = self.floor
        ro = MappingProxyType
        return SessionState(
            phase=self.phase.id,
            round=floor.round,
            status=self.status,
            present=tuple(self.present),
            roles=ro(dict(self.roles)),
            consents=ro(dict(self.consents)),
            agreement=self.agreement,
            floor=floor.snapshot(self.offered_to()),
            phase_started_at=self.phase_started,
            phase_time_up=self.time_up,
            paused_at=self.paused_at,
            time=self.time,
            shares=ro(dict(self.shares)),
            passes=ro(dict(self.passes)),
            speaking_time=ro(dict(self.speaking)),
            overtime=ro(dict(self.overtime)),
            not_reached=ro(dict(self.not_reached)),
            cross_talk_blocked=self.blocked,
            interjections=self.interjections,
            phase_shares=ro(dict(self.phase_shares)),
            phase_speaking_time=ro(dict(self.phase_speaking)),
        )

    # ------------------------------------------------------------------ the fold

    def apply(self, e: Event) -> None:
        """Fold ``e`` into the state.

        Raises:
            ValueError: If ``e`` cannot follow the events before it.
        """
        if self.status is _ENDED:
            raise ValueError("the session has ended")
        _APPLY[e[2]](self, e)
        self.time = e[1]

    def _end_share(self, member: str, e: Event) -> None:
        floor = self.floor
        if floor.holder != member:
            raise ValueError(f"{member} does not hold the floor")
        if self.phase.sharing:
            duration = e.data["duration"]
            assert isinstance(duration, int | float)
            self.shares[member] = self.shares.get(member, 0) + 1
            self.speaking[member] = self.speaking.get(member, 0.0) + duration
            self.phase_shares[member] = self.phase_shares.get(member, 0) + 1
            self.phase_speaking[member] = self.phase_speaking.get(member, 0.0) + duration
            over = e.data.get("overtime")
            if over:
                assert isinstance(over, int | float)
                self.overtime[member] = self.overtime.get(member, 0.0) + over
        floor.holder = None
        floor.warned = floor.over = False

    def _on_opened(self, e: Event) -> None:
        # The group's fingerprint, checked before the fold, covers the agreement.
        self.phase = self.format.phases[str(e.data["phase"])]
        self.phase_started = e.time
        if self.phase.rounds:
            self.floor.new_round(1, [])

    def _on_arrived(self, e: Event) -> None:
        member = e.member
        assert member is not None
        if member in self.present:
            raise ValueError(f"{member} is already present")
        role = e.data.get("role")
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
        if phase.rounds and self.roles[member] in phase.eligible and member not in floor.order:
            floor.order.append(member)

    def _on_left(self, e: Event) -> None:
        member = e.member
        assert member is not None
        if member not in self.present:
            raise ValueError(f"{member} is not present")
        floor = self.floor
        if floor.holder == member:
            self._end_share(member, e)
        del self.present[member]
        if member in floor.order and member not in floor.had_turn:
            floor.order.remove(member)
        if floor.called == member:
            floor.called = None

    def _on_consented(self, e: Event) -> None:
        assert e.member is not None
        self.consents[e.member] = self.agreement.version

    def _on_agreement_amended(self, e: Event) -> None:
        changes = {k: v for k, v in e.data.items() if k != "version"}
        self.agreement = self.agreement.amend(**changes)

    def _on_phase_entered(self, e: Event) -> None:
        self.phase = self.format.phases[str(e.data["phase"])]
        self.phase_started = e.time
        self.time_up = False
        self.phase_shares = {}
        self.phase_speaking = {}
        self.floor.last = None
        if self.phase.rounds:
            self.floor.new_round(1, self.round_order())
        else:
            self.floor.new_round(0, [])

    def _on_round_started(self, e: Event) -> None:
        if not self.phase.rounds:
            raise ValueError(f"there are no rounds in {self.phase.id}")
        number = e.data["round"]
        assert isinstance(number, int)
        self.floor.new_round(number, self.round_order())

    def _on_round_closed(self, e: Event) -> None:
        not_reached = e.data["not_reached"]
        assert isinstance(not_reached, tuple)
        for member in not_reached:
            self.not_reached[member] = self.not_reached.get(member, 0) + 1
        self.floor.closed = True
        self.floor.called = None  # a closed round offers the floor to nobody

    def _on_turn_skipped(self, e: Event) -> None:
        member = e.member
        assert member is not None
        floor = self.floor
        floor.had_turn.add(member)
        floor.skipped.add(member)
        if floor.called == member:
            floor.called = None

    def _on_called_on(self, e: Event) -> None:
        self.floor.called = e.member

    def _on_share_started(self, e: Event) -> None:
        member = e.member
        assert member is not None
        floor = self.floor
        if floor.holder is not None:
            raise ValueError(f"{floor.holder} holds the floor")
        floor.holder = member
        floor.started = e.time
        floor.warned = False
        floor.over = False
        floor.called = None
        floor.last = member
        if self.phase.rounds:
            floor.had_turn.add(member)

    def _on_share_ended(self, e: Event) -> None:
        assert e.member is not None
        self._end_share(e.member, e)

    def _on_passed(self, e: Event) -> None:
        member = e.member
        assert member is not None
        floor = self.floor
        if self.phase.rounds:
            floor.had_turn.add(member)
            floor.passed.add(member)
        floor.called = None
        floor.last = member
        self.passes[member] = self.passes.get(member, 0) + 1

    def _on_interjected(self, e: Event) -> None:
        self.interjections += 1

    def _on_cross_talk_blocked(self, e: Event) -> None:
        self.blocked += 1

    def _on_time_warning(self, e: Event) -> None:
        self.floor.warned = True

    def _on_overtime(self, e: Event) -> None:
        self.floor.over = True

    def _on_phase_time_up(self, e: Event) -> None:
        self.time_up = True

    def _on_rule_notice(self, e: Event) -> None:
        pass

    def _on_paused(self, e: Event) -> None:
        if self.status is _PAUSED:
            raise ValueError("the session is already paused")
        self.status = _PAUSED
        self.paused_at = e.time

    def _on_resumed(self, e: Event) -> None:
        if self.paused_at is None:
            raise ValueError("the session is not paused")
        gap = e.time - self.paused_at
        self.floor.started += gap
        self.phase_started += gap
        self.status = _OPEN
        self.paused_at = None

    def _on_ended(self, e: Event) -> None:
        holder = self.floor.holder
        if holder is not None:
            self._end_share(holder, e)
        self.status = _ENDED


#: The fold's step for each kind (every kind in :data:`KINDS` has one).
_APPLY: dict[EventKind, Callable[[LiveState, Event], None]] = {
    kind: getattr(LiveState, f"_on_{kind.value}") for kind in KINDS
}
