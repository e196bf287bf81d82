"""The state of a live session and the fold that applies events to it.

:class:`SessionCore` holds the mutable state of one session and the ``_apply_*``
functions that fold each event kind into it. :class:`peersupport.Session` adds
the actions and their checks on top; replay uses the very same fold, which is
what makes replay exact.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from types import MappingProxyType, SimpleNamespace
from typing import TYPE_CHECKING, ClassVar

from peersupport.clock import Clock
from peersupport.events import DataValue, Event, EventKind, new_event
from peersupport.floor import Floor
from peersupport.format import Format, PhaseSpec
from peersupport.model import Agreement, Group, Role
from peersupport.rules import SHARE_TIME_LIMIT
from peersupport.state import Deadline, SessionState, SessionStatus

if TYPE_CHECKING:
    from peersupport.plugins import Dispatcher, HookFailure

_OPEN = SessionStatus.OPEN
_PAUSED = SessionStatus.PAUSED
_ENDED = SessionStatus.ENDED

__all__ = ["SessionCore"]

_K = SimpleNamespace(**EventKind.__members__)  # plain attribute lookups: hot path
_INF = math.inf


#: Event kinds that cannot move a deadline (no share, phase, pause or limit changes).
_KEEPS_DEADLINE = frozenset(
    {
        EventKind.ARRIVED,
        EventKind.CONSENTED,
        EventKind.PASSED,
        EventKind.INTERJECTED,
        EventKind.CROSS_TALK_BLOCKED,
        EventKind.TURN_SKIPPED,
        EventKind.ROUND_CLOSED,
        EventKind.ROUND_STARTED,
        EventKind.CALLED_ON,
    }
)


class SessionCore:
    """Mutable state of one session plus the event fold (internal base of ``Session``)."""

    __slots__ = (
        "_agreement",
        "_blocked",
        "_consents",
        "_deadline",
        "_events",
        "_hooks",
        "_interjections",
        "_limits",
        "_not_reached",
        "_offered",
        "_overtime",
        "_passes",
        "_paused_at",
        "_phase",
        "_phase_shares",
        "_phase_speaking",
        "_phase_started",
        "_present",
        "_roles",
        "_shares",
        "_speaking",
        "_status",
        "_time_up",
        "clock",
        "floor",
        "format",
        "group",
        "hook_failures",
    )

    def __init__(
        self,
        group: Group,
        format: Format,  # noqa: A002
        clock: Clock,
        hooks: Dispatcher | None,
    ) -> None:
        self.group = group
        self.format = format
        self.clock = clock
        self.floor = Floor()
        self._events: list[Event] = []
        self._phase: PhaseSpec = format.phases[format.initial]
        self._status = _OPEN
        self._present: dict[str, None] = {}
        self._roles: dict[str, Role] = {}
        self._consents: dict[str, int] = {}
        self._agreement = group.agreement
        self._phase_started = 0.0
        self._time_up = False
        self._paused_at = 0.0
        self._shares: dict[str, int] = {}
        self._passes: dict[str, int] = {}
        self._speaking: dict[str, float] = {}
        self._overtime: dict[str, float] = {}
        self._not_reached: dict[str, int] = {}
        self._blocked = 0
        self._interjections = 0
        self._deadline = _INF
        self._phase_shares: dict[str, int] = {}
        self._phase_speaking: dict[str, float] = {}
        self._hooks = hooks
        self._offered: str | None = None
        #: (warn_at, share_limit, hard_cap) in force: changes only with phase or agreement.
        self._limits = SHARE_TIME_LIMIT.limits(self._phase, self._agreement)
        self.hook_failures: list[HookFailure] = []

    # ------------------------------------------------------------------ reading

    @property
    def events(self) -> tuple[Event, ...]:
        """All events so far, oldest first."""
        return tuple(self._events)

    @property
    def state(self) -> SessionState:
        """An immutable snapshot of the session's state."""
        floor = self.floor
        return SessionState(
            phase=self._phase.id,
            round=floor.round,
            status=self._status,
            present=tuple(self._present),
            roles=dict(self._roles),
            consents=dict(self._consents),
            agreement=self._agreement,
            floor=floor.snapshot(self.offered_to()),
            phase_started_at=self._phase_started,
            time=self._events[-1].time,
            shares=dict(self._shares),
            passes=dict(self._passes),
            speaking_time=dict(self._speaking),
            overtime=dict(self._overtime),
            not_reached=dict(self._not_reached),
            cross_talk_blocked=self._blocked,
            interjections=self._interjections,
        )

    @property
    def phase(self) -> PhaseSpec:
        """The current phase."""
        return self._phase

    @property
    def phase_name(self) -> str:
        """Human-readable name of the current phase."""
        return self._phase.name

    @property
    def agreement(self) -> Agreement:
        """The agreement in force."""
        return self._agreement

    @property
    def status(self) -> SessionStatus:
        """Whether the session is open, paused or ended."""
        return self._status

    def role_of(self, member_id: str) -> Role | None:
        """The role of ``member_id`` in this session (group role or visitor role)."""
        role = self._roles.get(member_id)
        return self.group.role_of(member_id) if role is None else role

    def is_present(self, member_id: str) -> bool:
        """Whether ``member_id`` is present."""
        return member_id in self._present

    @property
    def present(self) -> tuple[str, ...]:
        """Ids of the members present, in seat (arrival) order."""
        return tuple(self._present)

    @property
    def phase_started_at(self) -> float:
        """When the current phase started (shifted by pauses)."""
        return self._phase_started

    @property
    def phase_shares(self) -> Mapping[str, int]:
        """Shares per member in the current phase (read-only view)."""
        return MappingProxyType(self._phase_shares)

    @property
    def phase_speaking_time(self) -> Mapping[str, float]:
        """Seconds of shares per member in the current phase (read-only view)."""
        return MappingProxyType(self._phase_speaking)

    def offered_to(self) -> str | None:
        """Whose turn it is, when the phase's policy offers the floor to one member.

        In a seat-order round that is the next member in seat order; under
        ``called-on`` or ``tag`` the member called on or tagged. ``None`` while
        someone holds the floor and in phases where nobody is offered the floor.
        """
        if self.floor.holder is not None:
            return None
        return self._phase.policy.offered(self.floor)

    def next_deadline(self) -> Deadline | None:
        """The next deadline (time warning, share limit or phase budget), if any.

        An app schedules a wake-up for ``deadline.at`` and then calls
        :meth:`apply_due`; a simulation advances its manual clock.
        """
        found = self._find_deadline()
        return None if found is None else Deadline(found[0], found[1], found[2])

    def _find_deadline(self) -> tuple[float, str, str | None] | None:
        if self._status is not _OPEN:
            return None
        best: tuple[float, str, str | None] | None = None
        floor = self.floor
        holder = floor.holder
        if holder is not None:
            warn, limit, _hard = self._limits
            if warn is not None and not floor.warned and not floor.over:
                best = (floor.started + warn, "time-warning", holder)
            if limit is not None and not floor.over:
                at = floor.started + limit
                if best is None or at < best[0]:
                    best = (at, "share-limit", holder)
        budget = self._phase.budget
        if budget is not None and not self._time_up:
            at = self._phase_started + budget
            if best is None or at < best[0]:
                best = (at, "phase-budget", None)
        if best is not None and best[0] < self._events[-1].time:
            # A change (e.g. a shorter share limit agreed mid-share) made this
            # due retroactively: it falls due at the moment of that change.
            best = (self._events[-1].time, best[1], best[2])
        return best

    # ------------------------------------------------------------------ events -> state

    def _commit(
        self,
        kind: EventKind,
        time: float,
        actor: str | None,
        member: str | None,
        data: dict[str, DataValue],
    ) -> Event:
        """Record an event, the rule notices it gives, then tell the plugins."""
        event = self._record(kind, time, actor, member, data)
        watchers = self._phase.watchers.get(kind)
        notices: list[Event] = []
        if watchers:
            for rule in watchers:
                found = rule.notice(self, event)  # type: ignore[arg-type]
                if found is not None:
                    notice = {"rule": rule.id, **found}
                    notices.append(self._record(_K.RULE_NOTICE, time, None, event.member, notice))
        if kind not in _KEEPS_DEADLINE or notices:
            deadline = self._find_deadline()
            self._deadline = _INF if deadline is None else deadline[0]
        hooks = self._hooks
        if hooks is not None:
            for told in (event, *notices):
                offered = self.offered_to()
                if offered == self._offered:
                    offered = None
                else:
                    self._offered = offered
                hooks.event(self, told, offered)  # type: ignore[arg-type]
        return event

    def _record(
        self,
        kind: EventKind,
        time: float,
        actor: str | None,
        member: str | None,
        data: dict[str, DataValue],
    ) -> Event:
        event = new_event(len(self._events), time, kind, actor, member, data)
        self._APPLY[kind](self, event)
        self._events.append(event)
        return event

    def _round_order(self) -> list[str]:
        roles = self._roles
        eligible_role = self._phase.policy.eligible
        eligible = [m for m in self._present if eligible_role(roles[m])]
        for index, member in enumerate(eligible):
            if roles[member].facilitates:
                return eligible[index + 1 :] + eligible[: index + 1]
        return eligible

    def _share_duration(self, now: float) -> float:
        """Seconds the current share has lasted at ``now`` (a pause stops the clock)."""
        if self._status is _PAUSED:
            now = self._paused_at
        return now - self.floor.started

    def _end_share(self, member: str, time: float) -> None:
        floor = self.floor
        if self._phase.sharing:
            duration = self._share_duration(time)
            self._shares[member] = self._shares.get(member, 0) + 1
            self._speaking[member] = self._speaking.get(member, 0.0) + duration
            self._phase_shares[member] = self._phase_shares.get(member, 0) + 1
            self._phase_speaking[member] = self._phase_speaking.get(member, 0.0) + duration
            _warn, limit, _hard = self._limits
            # Compare moments the way the deadline does (start + limit), so a share
            # ending exactly at its limit is never overtime by a rounding error.
            if limit is not None and floor.started + duration > floor.started + limit:
                self._overtime[member] = self._overtime.get(member, 0.0) + duration - limit
        floor.holder = None

    def _rollover(self) -> None:
        floor = self.floor
        if self._phase.policy.auto_rollover and floor.complete():
            floor.new_round(floor.round + 1, self._round_order())

    def _apply_opened(self, e: Event) -> None:
        self._phase_started = e.time
        if self._phase.policy.rounds:
            self.floor.new_round(1, [])

    def _apply_arrived(self, e: Event) -> None:
        member = e.member
        assert member is not None
        role = e.data.get("role")
        if isinstance(role, str):
            self._roles[member] = Role(role)
        elif member not in self._roles:
            self._roles[member] = self.group.role_of(member) or Role.NEWCOMER
        self._present[member] = None
        floor = self.floor
        policy = self._phase.policy
        if policy.rounds and policy.eligible(self._roles[member]) and member not in floor.order:
            floor.order.append(member)

    def _apply_left(self, e: Event) -> None:
        member = e.member
        assert member is not None
        floor = self.floor
        if floor.holder == member:
            self._end_share(member, e.time)
        del self._present[member]
        if member in floor.order and member not in floor.had_turn:
            floor.order.remove(member)
        if floor.called == member:
            floor.called = None

    def _apply_consented(self, e: Event) -> None:
        assert e.member is not None
        self._consents[e.member] = self._agreement.version

    def _apply_amended(self, e: Event) -> None:
        changes = {k: v for k, v in e.data.items() if k != "version"}
        self._agreement = self._agreement.amend(**changes)
        self._limits = SHARE_TIME_LIMIT.limits(self._phase, self._agreement)

    def _apply_phase_entered(self, e: Event) -> None:
        target = e.data["phase"]
        assert isinstance(target, str)
        self._phase = self.format.phases[target]
        self._limits = SHARE_TIME_LIMIT.limits(self._phase, self._agreement)
        self._phase_started = e.time
        self._time_up = False
        self._phase_shares = {}
        self._phase_speaking = {}
        self.floor.last = None
        if self._phase.policy.rounds:
            self.floor.new_round(1, self._round_order())
        else:
            self.floor.new_round(0, [])

    def _apply_round_started(self, e: Event) -> None:
        self.floor.new_round(self.floor.round + 1, self._round_order())

    def _apply_round_closed(self, e: Event) -> None:
        not_reached = e.data["not_reached"]
        assert isinstance(not_reached, list)
        for member in not_reached:
            self._not_reached[member] = self._not_reached.get(member, 0) + 1
        self.floor.closed = True

    def _apply_skipped(self, e: Event) -> None:
        assert e.member is not None
        self.floor.had_turn.add(e.member)
        self.floor.skipped.add(e.member)
        if self.floor.called == e.member:
            self.floor.called = None

    def _apply_share_started(self, e: Event) -> None:
        member = e.member
        assert member is not None
        self._rollover()
        floor = self.floor
        floor.holder = member
        floor.started = e.time
        floor.warned = False
        floor.over = False
        floor.called = None
        floor.last = member
        if self._phase.policy.rounds:
            floor.had_turn.add(member)

    def _apply_share_ended(self, e: Event) -> None:
        assert e.member is not None
        self._end_share(e.member, e.time)

    def _apply_passed(self, e: Event) -> None:
        member = e.member
        assert member is not None
        self._rollover()
        floor = self.floor
        floor.had_turn.add(member)
        floor.passed.add(member)
        floor.called = None
        floor.last = member
        self._passes[member] = self._passes.get(member, 0) + 1

    def _apply_called_on(self, e: Event) -> None:
        self._rollover()
        self.floor.called = e.member

    def _apply_notice(self, e: Event) -> None:
        pass

    def _apply_interjected(self, e: Event) -> None:
        self._interjections += 1

    def _apply_blocked(self, e: Event) -> None:
        self._blocked += 1

    def _apply_warning(self, e: Event) -> None:
        self.floor.warned = True

    def _apply_overtime(self, e: Event) -> None:
        self.floor.over = True

    def _apply_time_up(self, e: Event) -> None:
        self._time_up = True

    def _apply_paused(self, e: Event) -> None:
        self._status = _PAUSED
        self._paused_at = e.time

    def _apply_resumed(self, e: Event) -> None:
        gap = e.time - self._paused_at
        self.floor.started += gap
        self._phase_started += gap
        self._status = _OPEN

    def _apply_ended(self, e: Event) -> None:
        holder = self.floor.holder
        if holder is not None:
            self._end_share(holder, e.time)
        self._status = _ENDED

    _APPLY: ClassVar[dict[EventKind, Callable[[SessionCore, Event], None]]] = {
        _K.OPENED: _apply_opened,
        _K.ARRIVED: _apply_arrived,
        _K.LEFT: _apply_left,
        _K.CONSENTED: _apply_consented,
        _K.AGREEMENT_AMENDED: _apply_amended,
        _K.PHASE_ENTERED: _apply_phase_entered,
        _K.ROUND_STARTED: _apply_round_started,
        _K.ROUND_CLOSED: _apply_round_closed,
        _K.TURN_SKIPPED: _apply_skipped,
        _K.CALLED_ON: _apply_called_on,
        _K.SHARE_STARTED: _apply_share_started,
        _K.SHARE_ENDED: _apply_share_ended,
        _K.PASSED: _apply_passed,
        _K.INTERJECTED: _apply_interjected,
        _K.CROSS_TALK_BLOCKED: _apply_blocked,
        _K.TIME_WARNING: _apply_warning,
        _K.OVERTIME: _apply_overtime,
        _K.PHASE_TIME_UP: _apply_time_up,
        _K.RULE_NOTICE: _apply_notice,
        _K.PAUSED: _apply_paused,
        _K.RESUMED: _apply_resumed,
        _K.ENDED: _apply_ended,
    }
